package wecom_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// The records under testdata/archive are written by hand from the
// documented plaintext schema of WeCom's chat-archive SDK (DecryptData
// output, as also mirrored by silenceper/wechat's work/msgaudit structs),
// one file per message type; no real corp's data is checked in.
func readArchiveFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "archive", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseOne(t *testing.T, body []byte) wecom.ArchiveRecord {
	t.Helper()
	recs, errs, err := wecom.ParseArchiveRecords(body)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if len(recs) != 1 || errs[0] != nil {
		t.Fatalf("parse: %d records, errors %v; want one good record", len(recs), errs)
	}
	return recs[0]
}

func TestArchiveFixtures(t *testing.T) {
	tests := []struct {
		file    string
		msgType string
		check   func(r wecom.ArchiveRecord) string // "" when fine, else what is wrong
	}{
		{"text", "text", func(r wecom.ArchiveRecord) string {
			if r.Text == nil || r.Text.Content != "客户电话13812345678，明天回访" || r.Seq != 101 ||
				r.RoomID != "wrjc7bDwAASxc8tZvBErFE02BtPWyAAA" || r.MsgTime != 1732600000123 ||
				!slices.Equal(r.ToList, []string{"lisi", "wangwu"}) || r.Action != "send" || r.From != "zhangsan" {
				return "header or text body"
			}
			return ""
		}},
		{"markdown", "markdown", func(r wecom.ArchiveRecord) string {
			if r.Info == nil || r.Info.Content != "**周报** 请在周五前提交" {
				return "info.content"
			}
			return ""
		}},
		{"news", "news", func(r wecom.ArchiveRecord) string {
			if r.Info == nil || len(r.Info.Item) != 1 || r.Info.Item[0].Title != "季度通报" || r.Info.Item[0].URL != "https://example.com/q3" {
				return "info.item"
			}
			return ""
		}},
		{"link", "link", func(r wecom.ArchiveRecord) string {
			if r.Link == nil || r.Link.Title != "行业报告" || r.Link.Description != "2026年行业趋势" || r.Link.LinkURL != "https://example.com/report" || r.RoomID != "" {
				return "link body"
			}
			return ""
		}},
		{"file", "file", func(r wecom.ArchiveRecord) string {
			if r.File == nil || r.File.FileName != "客户名单.xlsx" || r.File.FileExt != "xlsx" {
				return "file body"
			}
			return ""
		}},
		{"image", "image", func(r wecom.ArchiveRecord) string {
			if r.Image == nil || r.Image.SDKFileID == "" {
				return "image body"
			}
			return ""
		}},
		{"voice", "voice", func(r wecom.ArchiveRecord) string {
			if r.Voice == nil || r.Voice.MD5Sum != "9db09c7fa627c9e53f17736c786a74d5" {
				return "voice body"
			}
			return ""
		}},
		{"video", "video", func(r wecom.ArchiveRecord) string {
			if r.Video == nil || r.Video.SDKFileID == "" {
				return "video body"
			}
			return ""
		}},
		{"emotion", "emotion", func(r wecom.ArchiveRecord) string {
			if r.Emotion == nil || r.Emotion.SDKFileID == "" {
				return "emotion body"
			}
			return ""
		}},
		{"card", "card", func(r wecom.ArchiveRecord) string {
			if r.Card == nil || r.Card.CorpName != "某某科技有限公司" {
				return "card body"
			}
			return ""
		}},
		{"location", "location", func(r wecom.ArchiveRecord) string {
			if r.Location == nil || r.Location.Title != "故宫博物院" || r.Location.Address != "北京市东城区东华门街道" {
				return "location body"
			}
			return ""
		}},
		{"weapp", "weapp", func(r wecom.ArchiveRecord) string {
			if r.WeApp == nil || r.WeApp.Title != "报销申请" || r.WeApp.DisplayName != "企业报销助手" {
				return "weapp body"
			}
			return ""
		}},
		{"chatrecord", "chatrecord", func(r wecom.ArchiveRecord) string {
			if r.ChatRecord == nil || r.ChatRecord.Title != "群聊的聊天记录" || len(r.ChatRecord.Item) != 3 {
				return "chatrecord body"
			}
			first, err := r.ChatRecord.Item[0].Record()
			if err != nil || first.MsgType != "text" || first.Text == nil || first.Text.Content != "王总的身份证号110101199003074514" {
				return "first item as a text record"
			}
			link, err := r.ChatRecord.Item[1].Record()
			if err != nil || link.Link == nil || link.Link.Title != "合同模板" {
				return "second item as a link record"
			}
			return ""
		}},
		{"mixed", "mixed", func(r wecom.ArchiveRecord) string {
			if r.Mixed == nil || len(r.Mixed.Item) != 3 {
				return "mixed body"
			}
			var texts []string
			for _, it := range r.Mixed.Item {
				p, err := it.Record()
				if err != nil {
					return "part: " + err.Error()
				}
				if p.Text != nil {
					texts = append(texts, p.Text.Content)
				}
			}
			if !slices.Equal(texts, []string{"请看截图\n", "你这个傻逼"}) {
				return "text parts " + strings.Join(texts, "|")
			}
			return ""
		}},
		{"revoke", "revoke", func(r wecom.ArchiveRecord) string {
			if pre, ok := r.Recall(); !ok || pre != "CAQQluDa4QUY0On2rYSAgAMgzPrShAE=" {
				return "recall target"
			}
			return ""
		}},
		{"agree", "agree", func(r wecom.ArchiveRecord) string {
			if r.Agree == nil || r.Agree.UserID == "" || r.Agree.AgreeTime != 1732600015000 {
				return "agree body"
			}
			return ""
		}},
		{"disagree", "disagree", func(r wecom.ArchiveRecord) string {
			if r.Disagree == nil || r.Disagree.UserID == "" {
				return "disagree body"
			}
			return ""
		}},
		{"external_redpacket", "external_redpacket", func(r wecom.ArchiveRecord) string {
			if r.RedPacket == nil || r.RedPacket.Wish != "恭喜发财，加我微信领返利" {
				return "redpacket body"
			}
			return ""
		}},
		{"meeting", "meeting", func(r wecom.ArchiveRecord) string {
			if r.Meeting == nil || r.Meeting.Topic != "项目周会" || r.Meeting.Remarks != "带上周报" {
				return "meeting body"
			}
			return ""
		}},
		{"docmsg", "docmsg", func(r wecom.ArchiveRecord) string {
			if r.Doc == nil || r.Doc.Title != "内部定价表（机密）" || r.Doc.LinkURL == "" {
				return "doc body"
			}
			return ""
		}},
		{"todo", "todo", func(r wecom.ArchiveRecord) string {
			if r.Todo == nil || r.Todo.Content != "周五前提交报销单" {
				return "todo body"
			}
			return ""
		}},
		{"vote", "vote", func(r wecom.ArchiveRecord) string {
			if r.VoteTitle != "团建地点" || !slices.Equal(r.VoteItem, []string{"爬山", "露营"}) {
				return "vote fields"
			}
			return ""
		}},
		{"calendar", "calendar", func(r wecom.ArchiveRecord) string {
			if r.Calendar == nil || r.Calendar.Title != "客户拜访" || r.Calendar.Place != "客户公司" {
				return "calendar body"
			}
			return ""
		}},
		{"sphfeed", "sphfeed", func(r wecom.ArchiveRecord) string {
			if r.SphFeed == nil || r.SphFeed.FeedDesc != "新品发布" {
				return "sphfeed body"
			}
			return ""
		}},
		{"switch", "", func(r wecom.ArchiveRecord) string {
			if r.Action != "switch" || r.User != "zhangsan" || r.Time != 1732600024000 {
				return "switch fields"
			}
			return ""
		}},
		{"unknown", "qydiskfile", func(r wecom.ArchiveRecord) string {
			if !bytes.Contains(r.Raw, []byte("年度计划.docx")) {
				return "raw body of the unknown type"
			}
			return ""
		}},
		{"stringified", "text", func(r wecom.ArchiveRecord) string {
			if r.Seq != 127 || r.MsgTime != 1732600026000 || !slices.Equal(r.ToList, []string{"lisi"}) {
				return "stringified numbers and tolist"
			}
			return ""
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			raw := readArchiveFixture(t, tc.file)
			r := parseOne(t, raw)
			if r.MsgType != tc.msgType {
				t.Fatalf("msgtype %q, want %q", r.MsgType, tc.msgType)
			}
			if r.MsgID == "" {
				t.Fatal("empty msgid")
			}
			if !bytes.Equal(bytes.TrimSpace(r.Raw), bytes.TrimSpace(raw)) {
				t.Errorf("Raw is not the record as received")
			}
			if what := tc.check(r); what != "" {
				t.Errorf("%s: wrong %s: %+v", tc.file, what, r)
			}
		})
	}
}

// TestArchiveFixturesAsOneBatch: every fixture, as JSON lines and as one
// JSON array, reads as the same records in the same order.
func TestArchiveFixturesAsOneBatch(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "archive", "*.json"))
	if err != nil || len(files) < 20 {
		t.Fatalf("fixtures: %v, %d files", err, len(files))
	}
	var lines, elems [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.TrimSpace(b)
		lines, elems = append(lines, b), append(elems, b)
	}
	jsonl := bytes.Join(lines, []byte("\n"))
	array := append(append([]byte("[\n"), bytes.Join(elems, []byte(",\n"))...), ']')
	for _, tc := range []struct {
		name string
		body []byte
	}{{"json lines", jsonl}, {"json array", array}} {
		t.Run(tc.name, func(t *testing.T) {
			recs, errs, err := wecom.ParseArchiveRecords(tc.body)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != len(files) || len(errs) != len(files) {
				t.Fatalf("%d records, %d errors, want %d each", len(recs), len(errs), len(files))
			}
			for i := range recs {
				if errs[i] != nil {
					t.Errorf("record %d (%s): %v", i, files[i], errs[i])
				}
				var want struct {
					MsgID string `json:"msgid"`
				}
				_ = json.Unmarshal(lines[i], &want)
				if recs[i].MsgID != want.MsgID {
					t.Errorf("record %d msgid %q, want %q", i, recs[i].MsgID, want.MsgID)
				}
			}
		})
	}
}

func TestParseArchiveRecordsPerRecordErrors(t *testing.T) {
	good := `{"msgid":"a","action":"send","from":"u","msgtime":1,"msgtype":"text","text":{"content":"hi"}}`
	tests := []struct {
		name      string
		body      string
		batchErr  bool
		wantIDs   []string // msgid per record
		wantBad   []bool   // error per record
		wantTexts []string // text content per record ("" when none)
	}{
		{name: "empty body", body: "  \n", batchErr: true},
		{name: "not json", body: "hello world\nmore prose", batchErr: true},
		{name: "broken array", body: `[` + good + `,{"msgid":`, batchErr: true},
		{name: "empty array", body: `[]`},
		{name: "bad line in the middle", body: good + "\n{\"msgid\":\"b\",\"seq\":\n" + strings.Replace(good, `"a"`, `"c"`, 1),
			wantIDs: []string{"a", "", "c"}, wantBad: []bool{false, true, false}, wantTexts: []string{"hi", "", "hi"}},
		{name: "blank lines and CRLF", body: "\r\n" + good + "\r\n\r\n" + good + "\r\n",
			wantIDs: []string{"a", "a"}, wantBad: []bool{false, false}, wantTexts: []string{"hi", "hi"}},
		{name: "missing msgid", body: `{"action":"send","msgtype":"text","text":{"content":"x"}}`,
			wantIDs: []string{""}, wantBad: []bool{true}, wantTexts: []string{"x"}},
		{name: "not an object", body: "[1, \"x\", " + good + "]",
			wantIDs: []string{"", "", "a"}, wantBad: []bool{true, true, false}, wantTexts: []string{"", "", "hi"}},
		{name: "wrong body shape keeps msgid", body: `{"msgid":"m","seq":9,"msgtype":"text","text":"plain"}`,
			wantIDs: []string{"m"}, wantBad: []bool{true}, wantTexts: []string{""}},
		{name: "raw control characters in strings are escaped", body: "{\"msgid\":\"t\",\"msgtype\":\"text\",\"text\":{\"content\":\"a\tb\x01c\"}}",
			wantIDs: []string{"t"}, wantBad: []bool{false}, wantTexts: []string{"a\tb\x01c"}},
		{name: "raw newline in a string of an array", body: "[{\"msgid\":\"n\",\"msgtype\":\"text\",\"text\":{\"content\":\"line1\nline2\"}}]",
			wantIDs: []string{"n"}, wantBad: []bool{false}, wantTexts: []string{"line1\nline2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recs, errs, err := wecom.ParseArchiveRecords([]byte(tc.body))
			if tc.batchErr {
				if err == nil || !errors.Is(err, wecom.ErrMalformed) {
					t.Fatalf("err = %v, want a batch error wrapping ErrMalformed", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("batch error %v", err)
			}
			if len(recs) != len(tc.wantIDs) || len(errs) != len(tc.wantIDs) {
				t.Fatalf("%d records / %d errors, want %d", len(recs), len(errs), len(tc.wantIDs))
			}
			for i := range recs {
				if recs[i].MsgID != tc.wantIDs[i] {
					t.Errorf("record %d msgid %q, want %q", i, recs[i].MsgID, tc.wantIDs[i])
				}
				if (errs[i] != nil) != tc.wantBad[i] {
					t.Errorf("record %d error %v, want error %v", i, errs[i], tc.wantBad[i])
				}
				if errs[i] != nil && !errors.Is(errs[i], wecom.ErrMalformed) {
					t.Errorf("record %d error %v does not wrap ErrMalformed", i, errs[i])
				}
				var text string
				if recs[i].Text != nil {
					text = recs[i].Text.Content
				}
				if text != tc.wantTexts[i] {
					t.Errorf("record %d text %q, want %q", i, text, tc.wantTexts[i])
				}
			}
		})
	}
}

func TestArchiveErrorsDoNotQuoteContent(t *testing.T) {
	body := `{"msgid":"x","msgtype":"text","text":{"content":12345678901}}`
	_, errs, err := wecom.ParseArchiveRecords([]byte(body))
	if err != nil || errs[0] == nil {
		t.Fatalf("want a per-record error, got %v %v", err, errs)
	}
	if strings.Contains(errs[0].Error(), "12345678901") {
		t.Errorf("error %q quotes the record's content", errs[0])
	}
}

func TestArchiveItemRecord(t *testing.T) {
	tests := []struct {
		name     string
		item     string
		wantType string
		wantText string
		wantErr  bool
	}{
		{"text in a string", `{"type":"text","content":"{\"content\":\"你好\"}"}`, "text", "你好", false},
		{"text inline object", `{"type":"text","content":{"content":"你好"}}`, "text", "你好", false},
		{"plain string text", `{"type":"text","content":"直接的文字"}`, "text", "直接的文字", false},
		{"chat record text", `{"type":"ChatRecordText","content":"{\"content\":\"转发\"}"}`, "text", "转发", false},
		{"nested mixed", `{"type":"ChatRecordMixed","content":"{\"item\":[{\"type\":\"text\",\"content\":\"{\\\"content\\\":\\\"深\\\"}\"}]}"}`, "mixed", "", false},
		{"unknown part type", `{"type":"ChatRecordSomethingNew","content":"{\"x\":1}"}`, "somethingnew", "", false},
		{"empty content", `{"type":"image"}`, "image", "", false},
		{"wrong body shape", `{"type":"link","content":{"title":5}}`, "link", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var it wecom.ArchiveItem
			if err := json.Unmarshal([]byte(tc.item), &it); err != nil {
				t.Fatal(err)
			}
			r, err := it.Record()
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if r.MsgType != tc.wantType {
				t.Errorf("type %q, want %q", r.MsgType, tc.wantType)
			}
			var text string
			if r.Text != nil {
				text = r.Text.Content
			}
			if text != tc.wantText {
				t.Errorf("text %q, want %q", text, tc.wantText)
			}
		})
	}
}

func TestArchiveRecall(t *testing.T) {
	tests := []struct {
		name   string
		rec    string
		want   string
		wantOK bool
	}{
		{"revoke with pre_msgid", `{"msgid":"r","action":"recall","msgtype":"revoke","revoke":{"pre_msgid":"orig"}}`, "orig", true},
		{"revoke type, send action", `{"msgid":"r","action":"send","msgtype":"revoke","revoke":{"pre_msgid":"orig"}}`, "orig", true},
		{"recall without body", `{"msgid":"self","action":"recall"}`, "self", true},
		{"ordinary send", `{"msgid":"s","action":"send","msgtype":"text","text":{"content":"x"}}`, "", false},
		{"revoke without target", `{"msgid":"r","action":"send","msgtype":"revoke","revoke":{}}`, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := parseOne(t, []byte(tc.rec))
			got, ok := r.Recall()
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("Recall() = %q, %v; want %q, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestEscapeControlInStrings(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"nothing to do", `{"a":"b"}`, `{"a":"b"}`},
		{"white space outside strings stays", "{\n\t\"a\": \"b\"\r\n}", "{\n\t\"a\": \"b\"\r\n}"},
		{"tab inside", "{\"a\":\"x\ty\"}", `{"a":"x\u0009y"}`},
		{"escaped quote keeps state", "{\"a\":\"q\\\"\x02\"}", `{"a":"q\"\u0002"}`},
		{"newline inside", "[\"a\nb\"]", `["a\u000ab"]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(wecom.EscapeControlInStrings([]byte(tc.in))); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func FuzzParseArchiveRecords(f *testing.F) {
	for _, name := range []string{"text", "mixed", "chatrecord", "switch", "stringified", "unknown"} {
		f.Add(readArchiveFixture(f, name))
	}
	f.Add([]byte(`[{"msgid":"a"},1,"x"]`))
	f.Add([]byte("{\"msgid\":\"a\"}\n{bad\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, body []byte) {
		recs, errs, err := wecom.ParseArchiveRecords(body)
		if err != nil {
			if !errors.Is(err, wecom.ErrMalformed) || recs != nil {
				t.Fatalf("batch err = %v with %d records", err, len(recs))
			}
			return
		}
		if len(recs) != len(errs) {
			t.Fatalf("%d records, %d errors", len(recs), len(errs))
		}
		for i, r := range recs {
			if errs[i] == nil && r.MsgID == "" {
				t.Fatalf("record %d accepted without msgid", i)
			}
			for _, items := range [][]wecom.ArchiveItem{mixedItems(r), chatItems(r)} {
				for _, it := range items {
					_, _ = it.Record()
				}
			}
		}
	})
}

func mixedItems(r wecom.ArchiveRecord) []wecom.ArchiveItem {
	if r.Mixed == nil {
		return nil
	}
	return r.Mixed.Item
}

func chatItems(r wecom.ArchiveRecord) []wecom.ArchiveItem {
	if r.ChatRecord == nil {
		return nil
	}
	return r.ChatRecord.Item
}

// BenchmarkParseArchiveRecords reads a GetChatData-sized page (1000
// records, JSON lines) of mixed fixtures; the baseline splits the same
// body into raw JSON values only.
func BenchmarkParseArchiveRecords(b *testing.B) {
	var lines [][]byte
	names := []string{"text", "mixed", "chatrecord", "link", "image", "revoke"}
	for i := range 1000 {
		lines = append(lines, bytes.TrimSpace(readArchiveFixture(b, names[i%len(names)])))
	}
	body := bytes.Join(lines, []byte("\n"))
	b.Run("ParseArchiveRecords", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			recs, _, err := wecom.ParseArchiveRecords(body)
			if err != nil || len(recs) != 1000 {
				b.Fatal(err, len(recs))
			}
		}
	})
	b.Run("baseline-raw-values", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			n := 0
			for line := range bytes.SplitSeq(body, []byte("\n")) {
				var v json.RawMessage
				if err := json.Unmarshal(line, &v); err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n != 1000 {
				b.Fatal(n)
			}
		}
	})
}
