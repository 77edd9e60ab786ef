package bot_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
	"github.com/wecom-guard/wecom-guard/rules"
)

// archiveFixture reads one of the hand-written records of
// bot/wecom/testdata/archive (see the note in bot/wecom/archive_test.go).
func archiveFixture(t testing.TB, name string) wecom.ArchiveRecord {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("wecom", "testdata", "archive", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return mustRecord(t, string(b))
}

func mustRecord(t testing.TB, s string) wecom.ArchiveRecord {
	t.Helper()
	recs, errs, err := wecom.ParseArchiveRecords([]byte(s))
	if err != nil || len(recs) != 1 || errs[0] != nil {
		t.Fatalf("parse %q: %v %v", s, err, errs)
	}
	return recs[0]
}

// recent re-dates a record written in 2024 (msgtime 1732600000000 and
// seconds after) to an hour ago, inside the pipeline's bounds.
func recent(r wecom.ArchiveRecord) wecom.ArchiveRecord {
	r.MsgTime += time.Now().Add(-time.Hour).UnixMilli() - 1732600000000
	return r
}

func TestMessageFromArchive(t *testing.T) {
	tests := []struct {
		fixture  string
		ok       bool
		wantText string // exact text when ok
		wantKind rules.ChatKind
	}{
		{"text", true, "客户电话13812345678，明天回访", rules.ChatWork},
		{"markdown", true, "**周报** 请在周五前提交", rules.ChatWork},
		{"news", true, "季度通报\n第三季度业绩\nhttps://example.com/q3", rules.ChatWork},
		{"link", true, "行业报告\n2026年行业趋势\nhttps://example.com/report", rules.ChatDirect},
		{"file", true, "客户名单.xlsx", rules.ChatWork},
		{"image", false, "", 0},
		{"voice", false, "", 0},
		{"video", false, "", 0},
		{"emotion", false, "", 0},
		{"card", false, "", 0},
		{"location", true, "故宫博物院\n北京市东城区东华门街道", rules.ChatWork},
		{"weapp", true, "报销申请\n差旅报销\n企业报销助手", rules.ChatWork},
		{"chatrecord", true, "群聊的聊天记录\n王总的身份证号110101199003074514\n合同模板\n标准版\nhttps://example.com/contract", rules.ChatWork},
		{"mixed", true, "请看截图\n你这个傻逼", rules.ChatWork},
		{"revoke", false, "", 0},
		{"agree", false, "", 0},
		{"disagree", false, "", 0},
		{"external_redpacket", true, "恭喜发财，加我微信领返利", rules.ChatWork},
		{"meeting", true, "项目周会\n三楼会议室\n带上周报", rules.ChatDirect},
		{"docmsg", true, "内部定价表（机密）\nhttps://doc.weixin.qq.com/txdoc/excel?docid=e2_abc", rules.ChatWork},
		{"todo", true, "待办\n周五前提交报销单", rules.ChatWork},
		{"vote", true, "团建地点\n爬山\n露营", rules.ChatWork},
		{"calendar", true, "客户拜访\n客户公司\n带合同", rules.ChatWork},
		{"sphfeed", true, "某某官方\n新品发布", rules.ChatDirect},
		{"switch", false, "", 0},
		{"unknown", false, "", 0},
		{"stringified", true, "数字都是字符串的转发格式", rules.ChatWork},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			r := archiveFixture(t, tc.fixture)
			m, ok := bot.MessageFromArchive(r, rules.ChatWork)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v (message %+v)", ok, tc.ok, m)
			}
			if !ok {
				return
			}
			if m.Text != tc.wantText {
				t.Errorf("text %q, want %q", m.Text, tc.wantText)
			}
			if m.ChatKind != tc.wantKind {
				t.Errorf("kind %v, want %v", m.ChatKind, tc.wantKind)
			}
			if m.ID != "archive:"+r.MsgID || m.Source != bot.SourceArchive || m.From != r.From || m.ChatID != r.RoomID {
				t.Errorf("message %+v does not carry the record's identity", m)
			}
			if !m.Time.Equal(time.UnixMilli(r.MsgTime)) {
				t.Errorf("time %v, want %v", m.Time, time.UnixMilli(r.MsgTime))
			}
		})
	}
}

func TestMessageFromArchiveNestingIsBounded(t *testing.T) {
	// A chat record forwarded inside chat records, deeper than the bound:
	// the text at the bottom is not reached, and nothing breaks.
	inner := `{"content":"最深处"}`
	item := `{"type":"ChatRecordText","content":` + quote(inner) + `}`
	for range wecom.MaxArchiveNesting + 1 {
		body := `{"title":"t","item":[` + item + `]}`
		item = `{"type":"ChatRecordChatRecord","content":` + quote(body) + `}`
	}
	rec := mustRecord(t, `{"msgid":"deep","action":"send","from":"u","roomid":"wr1","msgtype":"chatrecord","chatrecord":{"title":"外层","item":[`+item+`]}}`)
	m, ok := bot.MessageFromArchive(rec, rules.ChatWork)
	if !ok || strings.Contains(m.Text, "最深处") || !strings.HasPrefix(m.Text, "外层") {
		t.Fatalf("text %q, ok %v; want the outer titles only", m.Text, ok)
	}
}

func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

func TestIngestArchive(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	kinds := map[string]rules.ChatKind{"wrprivate": rules.ChatPrivate}
	kindOf := func(room string) rules.ChatKind {
		if k, ok := kinds[room]; ok {
			return k
		}
		return rules.ChatWork
	}
	phone := recent(mustRecord(t, `{"seq":1,"msgid":"p1","action":"send","from":"zhangsan","roomid":"wrwork","msgtime":1732600000000,"msgtype":"text","text":{"content":"客户电话13812345678"}}`))
	clean := recent(mustRecord(t, `{"seq":2,"msgid":"c1","action":"send","from":"lisi","roomid":"wrwork","msgtime":1732600001000,"msgtype":"text","text":{"content":"明天十点开会"}}`))
	image := recent(archiveFixture(t, "image"))
	recall := recent(mustRecord(t, `{"seq":4,"msgid":"r1","action":"recall","from":"zhangsan","roomid":"wrwork","msgtime":1732600002000,"msgtype":"revoke","revoke":{"pre_msgid":"p1"}}`))
	recallClean := recent(mustRecord(t, `{"seq":5,"msgid":"r2","action":"recall","from":"lisi","roomid":"wrwork","msgtime":1732600003000,"msgtype":"revoke","revoke":{"pre_msgid":"c1"}}`))
	direct := recent(mustRecord(t, `{"seq":6,"msgid":"d1","action":"send","from":"wangwu","roomid":"","msgtime":1732600004000,"msgtype":"text","text":{"content":"你真是个傻逼"}}`))
	noID := wecom.ArchiveRecord{MsgType: "text", Text: &wecom.ArchiveTextBody{Content: "x"}}

	got := h.pipeline.IngestArchive(ctx, []wecom.ArchiveRecord{phone, clean, image, recall, recallClean, direct, phone, recall, noID}, kindOf)
	want := []bot.IngestResult{
		{MsgID: "p1", Seq: 1, Status: bot.IngestProcessed, Action: "escalate_hr"},
		{MsgID: "c1", Seq: 2, Status: bot.IngestProcessed},
		{MsgID: image.MsgID, Seq: image.Seq, Status: bot.IngestSkipped},
		{MsgID: "r1", Seq: 4, Status: bot.IngestRecalled, RecalledMsgID: "p1", ViolationMarked: true},
		{MsgID: "r2", Seq: 5, Status: bot.IngestRecalled, RecalledMsgID: "c1"},
		{MsgID: "d1", Seq: 6, Status: bot.IngestProcessed, Action: "warn"},
		{MsgID: "p1", Seq: 1, Status: bot.IngestDuplicate},
		{MsgID: "r1", Seq: 4, Status: bot.IngestDuplicate, RecalledMsgID: "p1"},
		{MsgID: "", Status: bot.IngestError},
	}
	if len(got) != len(want) {
		t.Fatalf("%d results, want %d", len(got), len(want))
	}
	for i := range want {
		g := got[i]
		g.Err, g.Error = nil, ""
		if g != want[i] {
			t.Errorf("result %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if got[8].Error == "" || !errors.Is(got[8].Err, bot.ErrInvalid) || got[8].Retryable() {
		t.Errorf("record without msgid: %+v, want a non-retryable invalid-input error", got[8])
	}

	v, ok, err := h.st.Violation(ctx, "archive:p1")
	if err != nil || !ok {
		t.Fatalf("violation of p1: %v %v", ok, err)
	}
	if !v.Recalled || v.ChatID != "wrwork" || v.ChatKind != "work" || v.Source != "archive" || v.From != "zhangsan" {
		t.Errorf("violation %+v, want a recalled work-group archive record of zhangsan", v)
	}
	d, ok, err := h.st.Violation(ctx, "archive:d1")
	if err != nil || !ok || d.ChatKind != "direct" || d.Recalled {
		t.Errorf("1:1 violation %+v (%v, %v), want chat kind direct, not recalled", d, ok, err)
	}
}

// TestIngestArchiveChatKindDecidesPolicy: the same ad in a work group and
// in a private group; ads are a work-group rule.
func TestIngestArchiveChatKindDecidesPolicy(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	const ad = "刷单兼职，日结工资，加微信"
	kindOf := func(room string) rules.ChatKind {
		if room == "wrprivate" {
			return rules.ChatPrivate
		}
		return rules.ChatWork
	}
	recs := []wecom.ArchiveRecord{
		recent(mustRecord(t, `{"msgid":"w","action":"send","from":"a","roomid":"wrwork","msgtime":1732600000000,"msgtype":"text","text":{"content":"`+ad+`"}}`)),
		recent(mustRecord(t, `{"msgid":"p","action":"send","from":"b","roomid":"wrprivate","msgtime":1732600000000,"msgtype":"text","text":{"content":"`+ad+`"}}`)),
	}
	res := h.pipeline.IngestArchive(ctx, recs, kindOf)
	if res[0].Status != bot.IngestProcessed || res[0].Action == "" {
		t.Errorf("work group ad: %+v, want an action", res[0])
	}
	if res[1].Status != bot.IngestProcessed || res[1].Action != "" {
		t.Errorf("private group ad: %+v, want no action", res[1])
	}
}

// failingStore is the real store with Redis failing on dedup reads.
type failingStore struct {
	bot.Store
	fail error
}

func (f failingStore) Seen(context.Context, string) (bool, error) { return false, f.fail }

// MarkSeen fails too: a clean message needs only the mark.
func (f failingStore) MarkSeen(context.Context, string, time.Duration) (bool, error) {
	return false, f.fail
}

func (f failingStore) SeenPlan(context.Context, string) (bool, *store.Record, error) {
	return false, nil, f.fail
}

func (f failingStore) MarkSeenPlan(context.Context, string, time.Duration) (bool, *store.Record, error) {
	return false, nil, f.fail
}

var _ bot.Store = failingStore{}

func TestIngestArchiveStoreFailures(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	engine := defaultEngine(t)
	text := mustRecord(t, `{"seq":7,"msgid":"x","action":"send","from":"u","roomid":"wr","msgtype":"text","text":{"content":"hello"}}`)
	recall := mustRecord(t, `{"seq":8,"msgid":"y","action":"recall","msgtype":"revoke","revoke":{"pre_msgid":"x"}}`)
	tests := []struct {
		name  string
		store bot.Store
		rec   wecom.ArchiveRecord
	}{
		{"redis down on a message", failingStore{Store: h.st, fail: errors.New("connection refused")}, text},
		{"redis down on a recall", failingStore{Store: h.st, fail: errors.New("connection refused")}, recall},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := bot.New(bot.Config{Store: tc.store, Checker: func() bot.Checker { return engine }})
			if err != nil {
				t.Fatal(err)
			}
			res := p.IngestArchive(ctx, []wecom.ArchiveRecord{tc.rec}, nil)
			r := res[0]
			if r.Status != bot.IngestError || !r.Retryable() || r.Error != "unavailable" || r.Seq != tc.rec.Seq {
				t.Fatalf("result %+v, want a retryable error told to the client as just %q", r, "unavailable")
			}
			if strings.Contains(r.Error, "connection refused") {
				t.Errorf("client sees server details: %q", r.Error)
			}
		})
	}
}

func TestResumeSeq(t *testing.T) {
	unavailable := errors.Join(bot.ErrUnavailable, errors.New("down"))
	ok := func(seq uint64) bot.IngestResult { return bot.IngestResult{Seq: seq, Status: bot.IngestProcessed} }
	fail := func(seq uint64) bot.IngestResult {
		return bot.IngestResult{Seq: seq, Status: bot.IngestError, Err: unavailable}
	}
	bad := func(seq uint64) bot.IngestResult {
		return bot.IngestResult{Seq: seq, Status: bot.IngestError, Err: bot.ErrInvalid}
	}
	const huge = uint64(18446744073709551615)
	tests := []struct {
		name         string
		results      []bot.IngestResult
		cur, claimed uint64
		want         uint64
		wantOK       bool
	}{
		{"empty", nil, 0, 0, 0, false},
		{"all fine", []bot.IngestResult{ok(3), ok(5), ok(4)}, 0, 0, 5, true},
		{"no seqs", []bot.IngestResult{ok(0), ok(0)}, 0, 0, 0, false},
		{"failure holds back", []bot.IngestResult{ok(3), fail(4), ok(5)}, 0, 0, 3, true},
		{"failure first", []bot.IngestResult{fail(3), ok(4)}, 0, 0, 0, false},
		{"unordered results", []bot.IngestResult{ok(9), ok(2), fail(7), ok(6)}, 0, 0, 6, true},
		{"bad record does not hold back", []bot.IngestResult{ok(3), bad(4), ok(5)}, 0, 0, 5, true},
		{"duplicates and skips count", []bot.IngestResult{{Seq: 8, Status: bot.IngestDuplicate}, {Seq: 9, Status: bot.IngestSkipped}}, 0, 0, 9, true},
		// Issue 11: only accepted records move the point, and not far.
		{"refused last record does not move it", []bot.IngestResult{ok(3), bad(4)}, 0, 0, 3, true},
		{"only refused records", []bot.IngestResult{bad(4), bad(huge)}, 2, 0, 0, false},
		{"max seq refused", []bot.IngestResult{ok(10), bad(huge)}, 9, 0, 10, true},
		{"max seq accepted by an older check is not a point", []bot.IngestResult{ok(10), ok(huge)}, 9, 0, 10, true},
		{"a jump past the step", []bot.IngestResult{ok(101), ok(101 + bot.ArchiveSeqStep + 1)}, 100, 0, 101, true},
		{"a jump to the step", []bot.IngestResult{ok(101), ok(100 + bot.ArchiveSeqStep)}, 100, 0, 100 + bot.ArchiveSeqStep, true},
		{"first batch bounded by its lowest seq", []bot.IngestResult{ok(5000), ok(5001), ok(bot.MaxArchiveSeq)}, 0, 0, 5001, true},
		{"claimed seq for records without one", []bot.IngestResult{ok(0)}, 100, 150, 150, true},
		{"claimed seq bounded by the step", []bot.IngestResult{ok(0)}, 100, huge, 0, false},
		{"claimed seq beyond the step", []bot.IngestResult{ok(0)}, 100, 101 + bot.ArchiveSeqStep, 0, false},
		{"claimed seq capped by the records", []bot.IngestResult{ok(120)}, 100, 150, 120, true},
		{"claimed seq needs an accepted record", []bot.IngestResult{bad(0)}, 100, 150, 0, false},
		{"claimed seq ignored after a retryable failure", []bot.IngestResult{ok(0), fail(0)}, 100, 150, 0, false},
		{"stored point near the top", []bot.IngestResult{ok(huge - 1)}, huge - 2, 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, gotOK := bot.ResumeSeq(tc.results, tc.cur, tc.claimed)
			if got != tc.want || gotOK != tc.wantOK {
				t.Errorf("ResumeSeq = %d, %v; want %d, %v", got, gotOK, tc.want, tc.wantOK)
			}
		})
	}
}

// TestArchiveIngestSameAsCallback is the "done when" at the
// pipeline level: an archive batch with a violation in a work group
// delivers, through the outbox and a sender, the same warning and owner
// alert as the equivalent message processed directly (the path callbacks
// take through Process). The endpoint-level version is in
// handlers/archive_test.go.
func TestArchiveIngestSameAsCallback(t *testing.T) {
	ctx := context.Background()
	at := time.Now().Truncate(time.Millisecond)
	run := func(ingest bool) []string {
		h := newHarness(t, nil)
		h.fake.SetArchiveRoom(wecomtest.ArchiveRoom{RoomID: "wrsales", Creator: "owner9"})
		if ingest {
			rec := mustRecord(t, `{"msgid":"same","action":"send","from":"zhangsan","roomid":"wrsales","msgtime":`+strconv.FormatInt(at.UnixMilli(), 10)+`,"msgtype":"text","text":{"content":"客户电话13812345678"}}`)
			res := h.pipeline.IngestArchive(ctx, []wecom.ArchiveRecord{rec}, nil)
			if res[0].Status != bot.IngestProcessed || res[0].Action != "escalate_hr" {
				t.Fatalf("ingest result %+v, want processed with escalate_hr (high severity)", res[0])
			}
		} else {
			m := bot.Message{ID: "archive:same", Source: bot.SourceArchive, From: "zhangsan", ChatID: "wrsales",
				ChatKind: rules.ChatWork, Text: "客户电话13812345678", Time: at}
			if _, err := h.pipeline.Process(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		h.drain(ctx, nil, h.sender("r1", nil))
		var out []string
		for _, s := range h.fake.Sent() {
			out = append(out, strings.Join(s.ToUser, ",")+"|"+s.Content)
		}
		sort.Strings(out) // recipients are served concurrently: any order
		return out
	}
	viaArchive, direct := run(true), run(false)
	if strings.Join(viaArchive, "\n") != strings.Join(direct, "\n") {
		t.Fatalf("archive ingest delivered\n%q\nwant the same as a direct message\n%q", viaArchive, direct)
	}
	var warned, alerted, hr bool
	for _, s := range viaArchive {
		warned = warned || strings.HasPrefix(s, "zhangsan|")
		alerted = alerted || strings.HasPrefix(s, "owner9|")
		hr = hr || strings.HasPrefix(s, "hr1|")
		if strings.Contains(s, "13812345678") {
			t.Errorf("unmasked phone number delivered: %q", s)
		}
	}
	if !warned || !alerted || !hr {
		t.Fatalf("delivered %q, want a warning to zhangsan, an alert to owner9 and a notice to hr1", viaArchive)
	}
}

func TestIngestSkipsExternalSenders(t *testing.T) {
	h := newHarness(t, nil)
	ext := recent(mustRecord(t, `{"seq":1,"msgid":"e1","action":"send","from":"wmAJ2GCAAAXtWyujaWJHDDGi0mACHAAA","roomid":"wrcust","msgtime":1732600000000,"msgtype":"text","text":{"content":"你真是个傻逼"}}`))
	res := h.pipeline.IngestArchive(context.Background(), []wecom.ArchiveRecord{ext}, nil)
	if res[0].Status != bot.IngestSkipped {
		t.Fatalf("a customer's message: %+v, want skipped", res[0])
	}
	if _, ok, _ := h.st.Violation(context.Background(), "archive:e1"); ok {
		t.Fatal("a customer got a violation record")
	}
	// A member whose userid happens to start with wm (王明) is a member.
	member := recent(mustRecord(t, `{"seq":2,"msgid":"e2","action":"send","from":"wangming","roomid":"wrwork","msgtime":1732600000000,"msgtype":"text","text":{"content":"你真是个傻逼"}}`))
	member.From = "wm"
	if res := h.pipeline.IngestArchive(context.Background(), []wecom.ArchiveRecord{member}, nil); res[0].Status != bot.IngestProcessed {
		t.Fatalf("member wm: %+v, want processed", res[0])
	}
}

// TestIngestArchiveRefusesOutOfBounds: records dated more than
// MaxArchiveSkew ahead of the clock, older than the retention or with a
// seq above MaxArchiveSeq are refused one by one (not retryable, the reason
// in the result); the others in the batch are processed.
func TestIngestArchiveRefusesOutOfBounds(t *testing.T) {
	now := time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC)
	engine := defaultEngine(t)
	st := newHarness(t, nil).st
	p, err := bot.New(bot.Config{Store: st, Checker: func() bot.Checker { return engine }, Retention: 30 * 24 * time.Hour,
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	rec := func(id string, seq uint64, at time.Time) wecom.ArchiveRecord {
		return wecom.ArchiveRecord{MsgID: id, Seq: seq, Action: wecom.ArchiveActionSend, From: "zhangsan", RoomID: "wrwork",
			MsgTime: at.UnixMilli(), MsgType: wecom.ArchiveText, Text: &wecom.ArchiveTextBody{Content: "你真是个傻逼"}}
	}
	tests := []struct {
		rec    wecom.ArchiveRecord
		reason string // "" when accepted
	}{
		{rec("now", 1, now), ""},
		{rec("skew", 2, now.Add(bot.MaxArchiveSkew)), ""},
		{rec("ahead", 3, now.Add(bot.MaxArchiveSkew+time.Millisecond)), "ahead of the clock"},
		{rec("y2200", 4, time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)), "ahead of the clock"},
		{rec("retained", 5, now.Add(-30*24*time.Hour)), ""},
		{rec("expired", 6, now.Add(-30*24*time.Hour-time.Millisecond)), "older than the retention"},
		{rec("negative", 7, time.UnixMilli(-1)), "older than the retention"},
		{rec("maxseq", 18446744073709551615, now), "seq"},
		{rec("topseq", bot.MaxArchiveSeq, now), ""},
		{rec("undated", 9, time.UnixMilli(0)), ""},
	}
	recs := make([]wecom.ArchiveRecord, len(tests))
	for i, tc := range tests {
		recs[i] = tc.rec
	}
	recs[len(recs)-1].MsgTime = 0
	got := p.IngestArchive(context.Background(), recs, nil)
	for i, tc := range tests {
		r := got[i]
		if tc.reason == "" {
			if r.Status != bot.IngestProcessed {
				t.Errorf("%s: %s %q, want processed", tc.rec.MsgID, r.Status, r.Error)
			}
			continue
		}
		if r.Status != bot.IngestError || r.Retryable() || !errors.Is(r.Err, bot.ErrInvalid) || !strings.Contains(r.Error, tc.reason) {
			t.Errorf("%s: %s %q, want refused (invalid) for %q", tc.rec.MsgID, r.Status, r.Error, tc.reason)
		}
		if _, ok, _ := st.Violation(context.Background(), bot.ArchiveIDPrefix+tc.rec.MsgID); ok {
			t.Errorf("%s: refused but its violation was recorded", tc.rec.MsgID)
		}
	}
}
