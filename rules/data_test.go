package rules

import (
	"testing"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// fakeData knows one customer phone number and one document; it counts
// the calls the engine makes.
type fakeData struct {
	phone              string
	records, documents int
}

var _ DataMatcher = (*fakeData)(nil)

func (f *fakeData) Record(k moderation.Kind, evidence string) (DataMatch, bool) {
	f.records++
	if k == moderation.KindPhone && string(moderation.NumberValue(k, evidence, nil)) == f.phone {
		return DataMatch{Set: "客户", Column: "手机"}, true
	}
	return DataMatch{}, false
}

func (f *fakeData) Tokens(text string, dst []DataMatch) []DataMatch { return dst }
func (f *fakeData) MinSpan() int                                    { return 50 }
func (f *fakeData) Documents(text string, dst []DataMatch) []DataMatch {
	f.documents++
	return append(dst, DataMatch{Kind: moderation.KindDocument, Start: 0, End: 10, Set: "报价策略", Shared: 60, Paragraph: 3,
		Masked: "《报价策略》第 3 段起 60 字"})
}

func TestDataMatcherHook(t *testing.T) {
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	e, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	work := Context{ChatKind: ChatWork}
	for _, tc := range []struct {
		name       string
		text       string
		wantAction Action
		wantRecord bool
	}{
		{"customer", "客户电话 +86 138-0013-8000 请回电", ActionEscalateHR, true},
		{"customer full-width", "电话１３８００１３８０００", ActionEscalateHR, true},
		{"one digit off", "客户电话 13800138001 请回电", ActionAlertOwner, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &fakeData{phone: "13800138000"}
			mc := work
			mc.Data = d
			v := e.Evaluate(tc.text, mc)
			if v.Action != tc.wantAction {
				t.Errorf("action %v, want %v (hits %+v)", v.Action, tc.wantAction, v.Hits)
			}
			var rec *Hit
			for i := range v.Hits {
				if v.Hits[i].Kind == moderation.KindCustomerRecord {
					rec = &v.Hits[i]
				}
			}
			if (rec != nil) != tc.wantRecord {
				t.Fatalf("customer_record hit %v, want %v", rec != nil, tc.wantRecord)
			}
			if rec != nil {
				if rec.Data == nil || rec.Data.Column != "手机" || rec.Masked != "138****8000" || rec.Rule != "customer-record-in-groups" {
					t.Errorf("hit %+v data %+v", rec, rec.Data)
				}
			}
			if d.documents != 0 {
				t.Errorf("a message under the minimum span was fingerprinted")
			}
		})
	}

	// No detector finding, short text: the matcher is not asked at all.
	d := &fakeData{phone: "13800138000"}
	mc := work
	mc.Data = d
	if v := e.Evaluate("明天下午开会", mc); len(v.Hits) != 0 || d.records+d.documents != 0 {
		t.Errorf("clean message: hits %v, calls %d+%d", v.Hits, d.records, d.documents)
	}
	// A long message is fingerprinted; the document hit escalates as secrets.
	long := "这是一段足够长的文字，用来检查文件指纹的调用是否发生，内容本身并不重要，只要超过最小长度即可。再加一些字。"
	v := e.Evaluate(long, mc)
	if d.documents != 1 || v.Action != ActionEscalateHR || len(v.Hits) != 1 || v.Hits[0].Category != "secrets" ||
		v.Hits[0].Masked != "《报价策略》第 3 段起 60 字" {
		t.Errorf("document: calls %d, verdict %+v", d.documents, v)
	}
	// In a direct chat a customer's number is not a group matter.
	mc.ChatKind = ChatDirect
	for _, h := range e.Evaluate("客户电话 13800138000", mc).Hits {
		if h.Kind == moderation.KindCustomerRecord {
			t.Errorf("direct chat: %+v", h)
		}
	}
}

func TestNumberValueFormats(t *testing.T) {
	for _, tc := range []struct {
		kind     moderation.Kind
		evidence string
		want     string
	}{
		{moderation.KindPhone, "13800138000", "13800138000"},
		{moderation.KindPhone, "+86 138 0013 8000", "13800138000"},
		{moderation.KindPhone, "0086-138-0013-8000", "13800138000"},
		{moderation.KindPhone, "１３８００１３８０００", "13800138000"},
		{moderation.KindPhone, "幺三八零零幺三八零零零", "13800138000"},
		{moderation.KindPhone, "l38OO138OOO", "13800138000"},
		{moderation.KindPhone, "①③⑧⓪⓪①③⑧⓪⓪⓪", "13800138000"},
		{moderation.KindIDCard, "11010519491231002x", "11010519491231002X"},
		{moderation.KindIDCard, "１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"},
		{moderation.KindBankCard, "6222 0212 3456 7890 128", "6222021234567890128"},
	} {
		if got := string(moderation.NumberValue(tc.kind, tc.evidence, nil)); got != tc.want {
			t.Errorf("NumberValue(%v, %q) = %q, want %q", tc.kind, tc.evidence, got, tc.want)
		}
	}
}

// spanData is fakeData whose texts all may hold its minimum span of
// letters, however few bytes they have (as ㌖, three bytes, folds to six).
type spanData struct{ *fakeData }

func (spanData) CleanTextMatches(text string) bool { return true }
func (spanData) MayReachMinSpan(text string) bool  { return true }

// TestShortTextReachingMinSpan checks that a message with fewer bytes than
// MinSpan is given to Documents when the matcher says it may hold that
// many letters: on the clean path and beside a detector finding.
func TestShortTextReachingMinSpan(t *testing.T) {
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	e, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"㌖㍿ⅷ㌖㍿ⅷ", "㌖㍿ⅷ 电话 13800138001"} {
		d := spanData{&fakeData{phone: "13800138000"}}
		v := e.Evaluate(text, Context{ChatKind: ChatWork, Data: d})
		if d.documents != 1 || v.Action != ActionEscalateHR {
			t.Errorf("%q (%d bytes, MinSpan %d): Documents called %d times, verdict %+v", text, len(text), d.MinSpan(), d.documents, v)
		}
	}
}
