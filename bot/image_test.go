package bot_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/imagescan"
	"github.com/wecom-guard/wecom-guard/bot/imagescan/imagescantest"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
	"github.com/wecom-guard/wecom-guard/rules"
)

const groupInvite = "https://weixin.qq.com/g/AbCdEfGhIjKlMnOp"

// imagePipeline is a pipeline on the default policy whose image
// messages to the app are downloaded from fake (none when nil).
func imagePipeline(t *testing.T, fake *wecomtest.Server, lim imagescan.Limits) (*bot.Pipeline, *store.Store) {
	t.Helper()
	st := storetest.New(t)
	engine := defaultEngine(t) // the shipped policy: ads-wechat-solicit warns of group invites
	cfg := bot.Config{Store: st, Checker: func() bot.Checker { return engine }, Images: bot.ImageConfig{Limits: lim}}
	if fake != nil {
		client, err := wecom.NewClient(wecom.ClientConfig{BaseURL: fake.URL(), CorpID: corpID, Secret: secret, AgentID: agentID, Tokens: st})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Images.Media = client
	}
	p, err := bot.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p, st
}

// imageRecord is an archive image record from a work group carrying data.
func imageRecord(t *testing.T, id string, data []byte) wecom.ArchiveRecord {
	t.Helper()
	return recent(mustRecord(t, `{"seq":7,"msgid":"`+id+`","action":"send","from":"zhangsan","roomid":"wrwork","msgtime":1732600000000,"msgtype":"image","image":{"sdkfileid":"CtYBMzA2OQ","md5sum":"x","data":"`+
		base64.StdEncoding.EncodeToString(data)+`"}}`))
}

// logged returns a context whose zerolog logger writes to the buffer.
func logged() (context.Context, *bytes.Buffer) {
	var buf bytes.Buffer
	l := zerolog.New(&buf)
	return l.WithContext(context.Background()), &buf
}

func TestIngestArchiveImages(t *testing.T) {
	p, st := imagePipeline(t, nil, imagescan.Limits{})
	ctx, logs := logged()
	group := imagescantest.OnPhoto(t, imagescantest.QR(t, groupInvite, 260), 900, 700, 600, 380)
	own := imagescantest.QRPNG(t, "https://work.weixin.qq.com/kfid/kfc123456", 300)
	photo := imagescantest.JPEG(t, imagescantest.Photo(640, 480))
	bomb := imagescantest.Bomb(t, 50000, 50000)
	tests := []struct {
		name      string
		data      []byte
		status    bot.IngestStatus
		action    string
		codes     int
		refused   string
		violation bool
		logReason string
		kinds     []imagescan.PayloadKind
	}{
		{name: "wechat group qr", data: group, status: bot.IngestProcessed, action: "warn", codes: 1, violation: true, kinds: []imagescan.PayloadKind{imagescan.PayloadWeChatGroup}},
		{name: "own allowed domain", data: own, status: bot.IngestProcessed, codes: 1, kinds: []imagescan.PayloadKind{imagescan.PayloadWeComContact}},
		{name: "photo without qr", data: photo, status: bot.IngestSkipped},
		{name: "decompression bomb", data: bomb, status: bot.IngestSkipped, refused: "too_many_pixels", logReason: "50000×50000"},
		{name: "oversized", data: append(bytes.Clone(photo), make([]byte, imagescan.DefaultMaxBytes)...), status: bot.IngestSkipped, refused: "too_large", logReason: "at most 10485760"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			logs.Reset()
			id := "img" + string(rune('a'+i))
			got := p.IngestArchive(ctx, []wecom.ArchiveRecord{imageRecord(t, id, tc.data)}, nil)[0]
			if got.Status != tc.status || got.Action != tc.action || got.Image == nil {
				t.Fatalf("result %+v, want %s %q with an image verdict", got, tc.status, tc.action)
			}
			if got.Image.SHA256 != imagescan.Hash(tc.data) || got.Image.QRCodes != tc.codes || got.Image.Refused != tc.refused {
				t.Errorf("image verdict %+v, want %d codes, refused %q and the hash", *got.Image, tc.codes, tc.refused)
			}
			if !slices.Equal(got.Image.Kinds, tc.kinds) {
				t.Errorf("kinds %v, want %v", got.Image.Kinds, tc.kinds)
			}
			if tc.logReason != "" {
				line := logs.String()
				if !strings.Contains(line, `"image refused"`) || !strings.Contains(line, tc.logReason) || !strings.Contains(line, got.Image.SHA256) {
					t.Errorf("log %q does not give the refusal, its reason %q and the hash", line, tc.logReason)
				}
			}
			v, ok, err := st.Violation(ctx, bot.ArchiveIDPrefix+id)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.violation {
				t.Fatalf("violation recorded %v, want %v", ok, tc.violation)
			}
			if !ok {
				return
			}
			if len(v.Hits) == 0 || v.Hits[0].Masked != bot.QREvidenceLabel+"：https://weixin.qq.com/***" {
				t.Errorf("evidence %+v, want the masked link labelled %s", v.Hits, bot.QREvidenceLabel)
			}
			if strings.Contains(v.Raw, "AbCdEf") || v.ChatID != "wrwork" {
				t.Errorf("violation %+v keeps the invite code or lost its chat", v)
			}
		})
	}
	// The same record again: a duplicate, not scanned or counted twice.
	again := p.IngestArchive(ctx, []wecom.ArchiveRecord{imageRecord(t, "imga", group)}, nil)[0]
	if again.Status != bot.IngestDuplicate {
		t.Errorf("replayed image record: %+v, want duplicate", again)
	}
}

func TestAppImageMessage(t *testing.T) {
	fake := wecomtest.New(wecomtest.Config{CorpID: corpID, Secret: secret, AgentID: agentID})
	t.Cleanup(fake.Close)
	// To the app (a direct chat): a QR carrying a customer's ID card
	// number breaks customer-data-direct; ads-links covers work groups
	// only, so a bare link there is no violation.
	fake.SetMedia("MEDIA_IDCARD", "image/png", imagescantest.QRPNG(t, "客户身份证号110101199003074514", 300))
	fake.SetMedia("MEDIA_LINK", "image/png", imagescantest.QRPNG(t, groupInvite, 300))
	fake.SetMedia("MEDIA_BOMB", "image/png", imagescantest.Bomb(t, 50000, 50000))
	p, st := imagePipeline(t, fake, imagescan.Limits{})
	ctx, logs := logged()
	msg := func(id, media string) *wecom.Message {
		return &wecom.Message{MsgType: wecom.MsgTypeImage, MsgID: id, MediaID: media, FromUserName: "zhangsan", CreateTime: time.Now().Unix()}
	}

	res, err := p.HandleCallback(ctx, msg("1", "MEDIA_IDCARD"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict.Action != rules.ActionWarn || !strings.Contains(res.Reply, bot.QREvidenceLabel) {
		t.Errorf("id card qr: action %v, reply %q; want a warning naming %s", res.Verdict.Action, res.Reply, bot.QREvidenceLabel)
	}
	if v, ok, err := st.Violation(ctx, "msg:1"); err != nil || !ok || !strings.HasPrefix(v.Hits[0].Masked, bot.QREvidenceLabel) {
		t.Errorf("violation of msg:1: %+v %v %v", v, ok, err)
	}
	// WeCom's retry: the same warning, no second download.
	calls := fake.Calls(wecomtest.APIMediaGet)
	again, err := p.HandleCallback(ctx, msg("1", "MEDIA_IDCARD"))
	if err != nil || !again.Duplicate || again.Reply == "" || fake.Calls(wecomtest.APIMediaGet) != calls {
		t.Errorf("retry: %+v %v, %d downloads; want the warning again and no download", again, err, fake.Calls(wecomtest.APIMediaGet)-calls)
	}

	res, err = p.HandleCallback(ctx, msg("2", "MEDIA_LINK"))
	if err != nil || res.Verdict.Action != rules.ActionNone {
		t.Errorf("link qr to the app: %+v %v; want no action (links are a work-group rule)", res.Verdict, err)
	}

	logs.Reset()
	if res, err := p.HandleCallback(ctx, msg("3", "MEDIA_BOMB")); err != nil || res.Verdict.Action != rules.ActionNone {
		t.Errorf("bomb: %+v %v", res, err)
	}
	if !strings.Contains(logs.String(), "too_many_pixels") {
		t.Errorf("bomb not logged as refused: %q", logs.String())
	}

	logs.Reset()
	if _, err := p.HandleCallback(ctx, msg("4", "EXPIRED")); err != nil {
		t.Errorf("unknown media id: %v, want it acknowledged", err)
	}
	if !strings.Contains(logs.String(), "image not downloaded") || !strings.Contains(logs.String(), "40007") {
		t.Errorf("unknown media id not logged: %q", logs.String())
	}
	if fake.Calls(wecomtest.APIMediaGet) != calls+3 {
		t.Errorf("%d downloads, want %d", fake.Calls(wecomtest.APIMediaGet), calls+3)
	}
}

func TestAppImageWithoutMediaFetcher(t *testing.T) {
	p, _ := imagePipeline(t, nil, imagescan.Limits{})
	res, err := p.HandleCallback(context.Background(), &wecom.Message{MsgType: wecom.MsgTypeImage, MsgID: "9", MediaID: "M", FromUserName: "zhangsan"})
	if err != nil || res.Duplicate || res.Verdict.Action != rules.ActionNone {
		t.Errorf("%+v %v; want the image acknowledged unchecked", res, err)
	}
}

// TestIngestImageCancelled: a request given up on is not the image's
// fault: the record fails retryably and is not marked processed.
func TestIngestImageCancelled(t *testing.T) {
	p, _ := imagePipeline(t, nil, imagescan.Limits{})
	ctx, cancel := context.WithCancel(context.Background())
	rec := imageRecord(t, "cx1", imagescantest.QRPNG(t, groupInvite, 200))
	cancel()
	got := p.IngestArchive(ctx, []wecom.ArchiveRecord{rec}, nil)[0]
	if got.Status != bot.IngestError || !got.Retryable() {
		t.Fatalf("cancelled: %+v, want a retryable error", got)
	}
	again := p.IngestArchive(context.Background(), []wecom.ArchiveRecord{rec}, nil)[0]
	if again.Status != bot.IngestProcessed || again.Action != "warn" {
		t.Errorf("sent again: %+v, want processed with a warning", again)
	}
}
