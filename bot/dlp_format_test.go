package bot_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/dlp"
)

// TestDataLoadsFingerprintFormat1: a document stored before fingerprint
// format 2 (bytes the old code wrote, dlp/testdata) is loaded and kept
// protected, and the load says so in a log line asking for it to be
// uploaded again; a document uploaded now is stored in format 2.
func TestDataLoadsFingerprintFormat1(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	key, err := dlp.NewKey([]byte("test secret, not a real one: 0123456789")) // dlp's test key, which wrote the file
	if err != nil {
		t.Fatal(err)
	}
	h, err := os.ReadFile("../dlp/testdata/prints-format1.hex")
	if err != nil {
		t.Fatal(err)
	}
	old, err := hex.DecodeString(strings.TrimSpace(string(h)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := dlp.DecodePrints(old)
	if err != nil {
		t.Fatal(err)
	}
	meta, _ := json.Marshal(dlp.Document{ID: "doc-old", Name: "旧文件", Chars: p.Chars, Paragraphs: len(p.Paragraphs), Prints: len(p.Prints)})
	if err := st.SaveDocument(ctx, "doc-old", meta, old); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	data, err := bot.NewData(ctx, bot.DataConfig{Store: st, Key: key, Logger: zerolog.New(&logs), Poll: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if x := data.Index(); len(x.Docs()) != 1 || x.LegacyDocs() != 1 {
		t.Fatalf("%d documents, %d of format 1", len(x.Docs()), x.LegacyDocs())
	}
	if !strings.Contains(logs.String(), `"documents":1,"format":1`) || !strings.Contains(logs.String(), "upload them again") {
		t.Errorf("no log line about the format 1 document: %s", logs.String())
	}

	text := strings.Repeat("新产品报价策略第二季度华东大区经销商返点审批流程。", 4)
	doc, err := bot.SaveDocument(ctx, st, key, "新文件", "报价", "a.txt", []byte(text), "hr", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.DocumentPrints(ctx, doc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := dlp.DecodePrints(b); err != nil || p.Format != dlp.PrintsFormatSipHash {
		t.Errorf("uploaded now: format %d, %v", p.Format, err)
	}
}

// TestDataSkipsAFormatItDoesNotKnow: a document a newer wecom-guard stored
// in a format this build does not know (a rolling upgrade) is left out
// with a log line naming it, and the other documents stay protected here.
// Before, the whole load failed: the replica kept its old data (a deleted
// document stayed in force on it) and could not start.
func TestDataSkipsAFormatItDoesNotKnow(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	key, err := dlp.NewKey([]byte("test secret, not a real one: 0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Repeat("新产品报价策略第二季度华东大区经销商返点审批流程。", 4)
	known, err := bot.SaveDocument(ctx, st, key, "报价策略", "报价", "a.txt", []byte(text), "hr", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	future := []byte{99, 0, 0, 0x80, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12} // format word 1<<31 | 99
	meta, _ := json.Marshal(dlp.Document{ID: "doc-future", Name: "新格式文件", Chars: 80})
	if err := st.SaveDocument(ctx, "doc-future", meta, future); err != nil {
		t.Fatal(err)
	}
	if _, err := dlp.DecodePrints(future); !errors.Is(err, dlp.ErrUnknownFormat) {
		t.Fatalf("decoding the future format: %v, want ErrUnknownFormat", err)
	}
	var logs bytes.Buffer
	data, err := bot.NewData(ctx, bot.DataConfig{Store: st, Key: key, Logger: zerolog.New(&logs), Poll: time.Hour})
	if err != nil {
		t.Fatalf("the load failed on a document of an unknown format: %v", err)
	}
	if docs := data.Index().Docs(); len(docs) != 1 || docs[0].ID != known.ID {
		t.Errorf("documents in force %+v, want only %s", docs, known.ID)
	}
	if !strings.Contains(logs.String(), "doc-future") || !strings.Contains(logs.String(), "upgrade this replica") {
		t.Errorf("no log line naming the unreadable document: %s", logs.String())
	}
}
