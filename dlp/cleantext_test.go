package dlp

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestCleanTextMatches checks that an index saying a text without
// findings cannot match (so that the engine skips it) is right: Tokens and
// Documents then find nothing in it, and it says so only when no set has a
// token column and the text folds to fewer letters than the documents'
// minimum span. (Documents itself returns early on the same test, so the
// letters are counted here too: finding nothing alone proves nothing.)
func TestCleanTextMatches(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	key := testKey(t)
	csv, _ := genCSV(r, 50)
	phones := NewIndex(key, Options{}, []LoadedSet{setOf(importTest(t, key, csv, "手机=phone,证件号=id_card"), "客户")}, nil)
	tokens := NewIndex(key, Options{}, []LoadedSet{setOf(importTest(t, key, csv, "手机=phone,客户编号=customer_no"), "客户")}, nil)
	para := "二〇二七年报价策略：华东区重点客户的折扣不超过百分之十二，续约客户另加三个点，新客户首年按标准价执行并由区域经理审批。"
	docs := docIndex(t, key, map[string][]string{"报价": {para}})
	if docs.MinSpan() == 0 {
		t.Fatal("the documents index protects nothing")
	}
	for _, n := range []int{0, 1, docs.MinSpan() - 1, docs.MinSpan(), 10_000} {
		s := strings.Repeat("a", n) // as many letters as bytes
		if phones.CleanTextMatches(s) {
			t.Errorf("phones only: CleanTextMatches(%d) is true", n)
		}
		if !tokens.CleanTextMatches(s) {
			t.Errorf("with a token column: CleanTextMatches(%d) is false", n)
		}
		if got, want := docs.CleanTextMatches(s), n >= docs.MinSpan(); got != want {
			t.Errorf("documents: CleanTextMatches(%d) = %v, want %v", n, got, want)
		}
	}
	// Every prefix of a text holding a token and the paragraph: where an
	// index says it cannot match, it finds nothing.
	text := "㌖㍿ⅷ㌖㍿ⅷ，请查一下客户 CU0000042 的合同，" + para
	for _, x := range []*Index{phones, tokens, docs} {
		for i := range len(text) + 1 {
			s := text[:i]
			if x.CleanTextMatches(s) {
				continue
			}
			if len(x.Tokens(s, nil)) > 0 || len(x.Documents(s, nil)) > 0 {
				t.Fatalf("CleanTextMatches(%q) is false, but it matches", s)
			}
			if x.MinSpan() > 0 && len(letterTable().fold(s, nil)) >= x.MinSpan() {
				t.Fatalf("CleanTextMatches(%q) is false, but it folds to %d letters, MinSpan %d", s, len(letterTable().fold(s, nil)), x.MinSpan())
			}
		}
	}
	if len(docs.Documents(text, nil)) == 0 {
		t.Fatal("the pasted paragraph is not found: the prefixes above test nothing")
	}
}
