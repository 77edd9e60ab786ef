package handlers_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/moderation"
)

// docx is a minimal Word file of paragraphs.
func docx(t *testing.T, paragraphs ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("word/document.xml")
	fmt.Fprint(w, `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`)
	for _, p := range paragraphs {
		fmt.Fprintf(w, `<w:p><w:r><w:t>%s</w:t></w:r></w:p>`, p)
	}
	fmt.Fprint(w, `</w:body></w:document>`)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestArchivedFileIsFingerprinted: an archived file record that carries
// the file (.docx, .txt) has its text checked against the protected
// documents, so a protected document sent as a file is a secrets hit
// naming it; an unrelated file, a file of a type that is not read and a
// file that does not open are not; the file's text is nowhere in Redis,
// the logs or the answers.
func TestArchivedFileIsFingerprinted(t *testing.T) {
	e := newDLPEnv(t)
	ctx := context.Background()
	if _, err := bot.SaveDocument(ctx, e.st, e.key, "2027年报价策略", "报价", "策略.txt",
		[]byte("第一段：封面。\n"+secretParagraph+"\n"), "hr-user", time.Now()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(e.data.Index().Docs()) == 1 })
	edited := strings.ReplaceAll(strings.ReplaceAll(secretParagraph, "，", " "), "四千二百", "四千三百")
	unrelated := "本季度华东大区经销商大会定于下月召开，会议讨论渠道建设、培训计划和年度评优，请各位经理提前准备汇报材料并报名参会。"
	files := []struct {
		id, name string
		data     []byte
		document bool   // a secrets hit naming the document
		refused  string // FileVerdict.Refused
	}{
		{"f-docx", "资料.docx", docx(t, "会议纪要", "以下内容请勿外传：", edited, "谢谢。"), true, ""},
		{"f-txt", "notes.txt", []byte("转发一下：\n" + secretParagraph), true, ""},
		{"f-unrelated", "会议通知.docx", docx(t, unrelated), false, ""},
		{"f-xlsx", "报价.xlsx", []byte("PK\x03\x04 not read"), false, "unsupported"},
		{"f-broken", "坏文件.docx", []byte("not a zip"), false, "unreadable"},
	}
	var lines []string
	for _, f := range files {
		rec := map[string]any{"msgid": f.id, "action": "send", "from": "zhangsan", "roomid": "wr1",
			"msgtime": time.Now().Add(-time.Minute).UnixMilli(), "msgtype": "file",
			"file": map[string]any{"filename": f.name, "data": base64.StdEncoding.EncodeToString(f.data)}}
		b, _ := json.Marshal(rec)
		lines = append(lines, string(b))
	}
	recs, errs, err := wecom.ParseArchiveRecords([]byte(strings.Join(lines, "\n")))
	if err != nil || len(recs) != len(files) {
		t.Fatalf("parse: %v %v", err, errs)
	}
	results := e.pipeline.IngestArchive(ctx, recs, nil)
	answer, _ := json.Marshal(results)
	for i, f := range files {
		r := results[i]
		if r.Status != bot.IngestProcessed || r.File == nil || len(r.File.SHA256) != 64 || r.File.Refused != f.refused {
			t.Fatalf("%s: result %+v file %+v", f.id, r, r.File)
		}
		if f.refused == "" && r.File.Chars == 0 {
			t.Errorf("%s: no text read", f.id)
		}
		v, ok, err := e.st.Violation(ctx, bot.ArchiveIDPrefix+f.id)
		if err != nil {
			t.Fatal(err)
		}
		var doc *string
		for _, h := range v.Hits {
			if h.Kind == moderation.KindDocument.String() && h.Category == "secrets" {
				doc = &h.Masked
			}
		}
		if (doc != nil) != f.document {
			t.Fatalf("%s: document hit %v, want %v (violation %v %+v)", f.id, doc != nil, f.document, ok, v)
		}
		if doc != nil && !strings.HasPrefix(*doc, bot.FileEvidenceLabel+"：《2027年报价策略》第 2 段起 ") {
			t.Errorf("%s: evidence %q", f.id, *doc)
		}
	}
	// The file's text: nowhere.
	fragment := "每台四千"
	for k, val := range redisContents(t, e.st.Options().Prefix) {
		if strings.Contains(k, fragment) || strings.Contains(val, fragment) {
			t.Errorf("key %q holds the file's text", k)
		}
	}
	if strings.Contains(e.logs.String(), fragment) || strings.Contains(string(answer), fragment) {
		t.Errorf("the file's text is in the logs or the answer")
	}
}

// redisContents reads every key under prefix and its value (all members
// and fields, whatever its type) through a client of its own (REDIS_URL;
// the test is skipped on a Cluster or Sentinel deployment).
func redisContents(t *testing.T, prefix string) map[string]string {
	t.Helper()
	u := os.Getenv("REDIS_URL")
	if u == "" || os.Getenv("REDIS_CLUSTER_ADDRS") != "" || os.Getenv("REDIS_SENTINEL_MASTER") != "" {
		t.Skip("the scan of every key reads one Redis at REDIS_URL; the store is elsewhere")
	}
	opt, err := redis.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	defer c.Close()
	ctx := context.Background()
	out := map[string]string{}
	iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		var v any
		switch typ, _ := c.Type(ctx, k).Result(); typ {
		case "string":
			v, err = c.Get(ctx, k).Result()
		case "hash":
			v, err = c.HGetAll(ctx, k).Result()
		case "list":
			v, err = c.LRange(ctx, k, 0, -1).Result()
		case "set":
			v, err = c.SMembers(ctx, k).Result()
		case "zset":
			v, err = c.ZRange(ctx, k, 0, -1).Result()
		case "stream":
			v, err = c.XRange(ctx, k, "-", "+").Result()
		}
		if err != nil && err != redis.Nil {
			t.Fatalf("read %s: %v", k, err)
		}
		out[k] = fmt.Sprint(v)
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no key under the test's prefix: is it the right Redis?")
	}
	return out
}
