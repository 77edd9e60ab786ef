package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/imagescan"
	"github.com/wecom-guard/wecom-guard/bot/imagescan/imagescantest"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/rules"
)

func imageArchiveRecord(seq int, msgID string, data []byte, at time.Time) string {
	b, _ := json.Marshal(map[string]any{
		"seq": seq, "msgid": msgID, "action": "send", "from": "zhangsan", "tolist": []string{"x"}, "roomid": "wrwork",
		"msgtime": at.UnixMilli(), "msgtype": "image",
		// []byte is base64 in JSON: the field a puller fills with the
		// bytes it fetched by sdkfileid.
		"image": map[string]any{"sdkfileid": "CtYBMzA2OTk", "md5sum": "d41d8cd9", "data": data},
	})
	return string(b)
}

// TestArchiveIngestImages posts image records with their bytes to the
// endpoint: a WeChat group QR in a work group is a violation whose warning,
// delivered to the fake WeCom API, carries the masked link labelled
// 图片中的二维码; a plain photo is clean; a decompression bomb is refused
// with its reason in the log and its hash in the answer.
func TestArchiveIngestImages(t *testing.T) {
	ctx := context.Background()
	rs, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	for i := range rs.Rules {
		if rs.Rules[i].ID == "ads-links" { // enforced, as a company acting on links would set it
			rs.Rules[i].Shadow, rs.Rules[i].Action = false, rules.ActionWarn
		}
	}
	engine, err := rules.Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.New(t)
	p, err := bot.New(bot.Config{Store: st, Checker: func() bot.Checker { return engine }})
	if err != nil {
		t.Fatal(err)
	}
	e := newArchiveEnv(t, ingestToken, &bot.ArchiveIngest{Pipeline: p, Seqs: st})
	e.st = st // the outbox to drain is the image pipeline's

	at := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	qr := imagescantest.QRPNG(t, "https://weixin.qq.com/g/AbCdEfGhIjKlMnOp", 300)
	photo := imagescantest.JPEG(t, imagescantest.Photo(320, 240))
	bomb := imagescantest.Bomb(t, 50000, 50000)
	body := strings.Join([]string{
		imageArchiveRecord(11, "q1", qr, at),
		imageArchiveRecord(12, "q2", photo, at),
		imageArchiveRecord(13, "q3", bomb, at),
	}, "\n")
	code, a, _ := e.post("", bearer(ingestToken), []byte(body))
	if code != http.StatusOK || len(a.Results) != 3 {
		t.Fatalf("answer %d %+v", code, a)
	}
	want := []struct {
		status  bot.IngestStatus
		action  string
		hash    string
		codes   int
		refused string
	}{
		{bot.IngestProcessed, "warn", imagescan.Hash(qr), 1, ""},
		{bot.IngestSkipped, "", imagescan.Hash(photo), 0, ""},
		{bot.IngestSkipped, "", imagescan.Hash(bomb), 0, "too_many_pixels"},
	}
	for i, w := range want {
		r := a.Results[i]
		if r.Status != w.status || r.Action != w.action || r.Image == nil ||
			r.Image.SHA256 != w.hash || r.Image.QRCodes != w.codes || r.Image.Refused != w.refused {
			t.Errorf("result %d = %+v (image %+v), want %+v", i, r, r.Image, w)
		}
	}
	if k := a.Results[0].Image.Kinds; len(k) != 1 || k[0] != imagescan.PayloadWeChatGroup {
		t.Errorf("kinds %v, want [wechat_group]", k)
	}
	if a.Seq != 13 {
		t.Errorf("seq %d, want 13", a.Seq)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "image refused") || !strings.Contains(logs, "50000×50000") || !strings.Contains(logs, imagescan.Hash(bomb)) {
		t.Errorf("the bomb's refusal is not logged with its reason and hash:\n%s", logs)
	}

	e.drain(ctx)
	var warned bool
	for _, s := range e.sent() {
		if strings.HasPrefix(s, "zhangsan|") && strings.Contains(s, "图片中的二维码：https://weixin.qq.com/***") {
			warned = true
		}
		if strings.Contains(s, "AbCdEf") {
			t.Errorf("a message carries the invite code unmasked: %q", s)
		}
	}
	if !warned {
		t.Errorf("no warning with the labelled masked link; sent %q", e.sent())
	}
}
