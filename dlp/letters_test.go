package dlp

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// foldLetters is what documents are fingerprinted with: normText.fold.
func foldLetters(text string) []rune {
	var nt normText
	nt.fold(moderation.NewNormalizer(), text, 0)
	return nt.runes
}

// lettersOf decodes and folds text as letters.prints does, returning the
// letters instead of winnowing them.
func lettersOf(text string) []rune {
	t := letterTable()
	var out []rune
	var tmp [8]rune
	for k := 0; k < len(text); {
		r, size := utf8.DecodeRuneInString(text[k:])
		k += size
		if r >= 0x10000 {
			out = append(out, t.astral(r, tmp[:0])...)
			continue
		}
		switch e := t.bmp[r]; {
		case e == 0:
		case e&expandBit == 0:
			out = append(out, rune(e))
		default:
			idx := e &^ expandBit
			out = append(out, t.expand[idx+1:idx+1+uint32(t.expand[idx])]...)
		}
	}
	return out
}

// TestLettersAreFold checks the letters table against the Normalizer for
// every rune of the Basic Multilingual Plane and a sample of the others.
func TestLettersAreFold(t *testing.T) {
	var b strings.Builder
	check := func(text string) {
		t.Helper()
		if got, want := lettersOf(text), foldLetters(text); !slices.Equal(got, want) {
			t.Fatalf("%q: letters %q, fold %q", text, string(got), string(want))
		}
	}
	for r := rune(0); r <= 0x10FFFF; r++ {
		if r >= 0x10000 && r%7 != 0 {
			continue
		}
		check(string(r))
		b.WriteRune(r)
		b.WriteByte(' ')
	}
	check(b.String())
	check("\xff\xe4\xb8客户\xe4\xb8\xad\xed\xa0\x80户") // invalid bytes, a cut sequence, an encoded surrogate
}

// TestStreamingWinnowIsWinnow: the message path's one pass gives the
// fingerprints winnow gives of the folded text (the ones documents are
// stored with), on text with punctuation, ASCII, full-width, traditional
// characters, emoji and invalid bytes.
func TestStreamingWinnowIsWinnow(t *testing.T) {
	key := testKey(t)
	r := rand.New(rand.NewPCG(7, 8))
	pieces := []string{"，", "。", " ", "\n", "ＡＢＣ", "abc", "123", "😀", "報價", "\xff", "‮", "①", "客户", "策略", "Ｑ３", "𝐀", "ⓐ"}
	tab := letterTable()
	for i := range 300 {
		var b strings.Builder
		b.WriteString(genParagraph(r, 10+r.IntN(300)))
		for range r.IntN(40) {
			b.WriteString(pieces[r.IntN(len(pieces))])
			b.WriteString(docWords[r.IntN(len(docWords))])
		}
		text := b.String()
		folded := foldLetters(text)
		if len(folded) < Guarantee {
			continue
		}
		out, n := tab.prints(text, nil)
		if n != len(folded) {
			t.Fatalf("text %d: %d letters, fold has %d", i, n, len(folded))
		}
		var buf [16]byte
		for j := range out {
			out[j].Hash = key.fingerprint(out[j].Hash, &buf)
		}
		if want := winnow(key, folded, nil); !slices.Equal(out, want) {
			t.Fatalf("text %d: %d fingerprints, winnow gives %d\n%v\n%v", i, len(out), len(want), out, want)
		}
	}
}

// TestRuneOffsets: the offsets of a hit's letters are those normText.fold
// gives, on text with punctuation, expansions, emoji and invalid bytes.
func TestRuneOffsets(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	pieces := []string{"，", " ", "ＡＢ", "😀", "報價", "\xff", "①", "𝐀", "ⓐ", "\xed\xa0\x80", "㈠", "ﬁ"}
	tab := letterTable()
	for i := range 200 {
		var b strings.Builder
		for range 5 + r.IntN(60) {
			b.WriteString(pieces[r.IntN(len(pieces))])
			b.WriteString(docWords[r.IntN(len(docWords))])
		}
		text := b.String()
		var nt normText
		nt.fold(moderation.NewNormalizer(), text, 0)
		idx := make([]int32, len(nt.offs))
		for j := range idx {
			idx[j] = int32(j)
		}
		r.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		want := make([]int32, len(idx))
		for j, l := range idx {
			want[j] = nt.offs[l]
		}
		tab.runeOffsets(text, idx)
		if !slices.Equal(idx, want) {
			t.Fatalf("text %d %q: offsets %v, fold gives %v", i, text, idx, want)
		}
	}
}
