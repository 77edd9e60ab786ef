package dlp

import (
	"testing"
	"unicode/utf8"
)

// TestShortTextOfExpandingRunes checks a message with fewer bytes than the
// minimum span but at least that many letters: some runes fold to more
// letters than they have bytes (㌖ is three bytes and キロメートル six
// letters), so a byte count is no bound on the letters. Such a message
// reproducing a protected document must be found by Documents, and
// CleanTextMatches must not keep it on the engine's clean path.
func TestShortTextOfExpandingRunes(t *testing.T) {
	key := testKey(t)
	squares := "㌀㌁㌂㌄㌇㌈㌌"
	doc := string(letterTable().fold(squares, nil)) // アパートアルファ… as a document would hold it
	x := docIndex(t, key, map[string][]string{"型号": {doc}})
	if len(squares) >= x.MinSpan() || utf8.RuneCountInString(doc) < x.MinSpan() {
		t.Fatalf("setup: %d bytes, %d letters, MinSpan %d", len(squares), utf8.RuneCountInString(doc), x.MinSpan())
	}
	if len(x.Documents(squares, nil)) == 0 {
		t.Errorf("Documents(%q) finds nothing: %d bytes, but %d letters of the document", squares, len(squares), utf8.RuneCountInString(doc))
	}
	if !x.CleanTextMatches(squares) {
		t.Errorf("CleanTextMatches(%q) is false: the engine never looks it up", squares)
	}
}

// BenchmarkMayReachMinSpan is what a short message without findings pays
// on the engine's clean path while documents are protected: the scan of
// its bytes for runes that fold to more letters than they have.
func BenchmarkMayReachMinSpan(b *testing.B) {
	x := docIndex(b, testKey(b), map[string][]string{"报价": {"二〇二七年报价策略：华东区重点客户的折扣不超过百分之十二，续约客户另加三个点。"}})
	text := "好的，明天下午开会"       // 27 bytes
	text = text[:len(text)-6] // 21 bytes, under MinSpan
	if len(text) >= x.MinSpan() {
		b.Fatalf("%d bytes, MinSpan %d", len(text), x.MinSpan())
	}
	for b.Loop() {
		if x.CleanTextMatches(text) {
			b.Fatal("matches")
		}
	}
}
