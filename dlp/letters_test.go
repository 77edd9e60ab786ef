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

// TestFoldIsNormalizer: the message path's fold gives the letters
// normText.fold gives (the ones documents are stored with), on text with
// punctuation, ASCII, full-width, traditional characters, emoji,
// expansions and invalid bytes (a truncated, a surrogate and an overlong
// three-byte sequence), into a reused buffer too small or too large.
func TestFoldIsNormalizer(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	pieces := []string{"，", "。", " ", "\n", "ＡＢＣ", "abc", "123", "😀", "報價", "\xff", "‮", "①", "客户", "策略", "Ｑ３", "𝐀", "ⓐ",
		"ﷺ", "㍿", "Ⅻ", "\xe4\xb8", "\xed\xa0\x80", "\xe0\x80\xaf"}
	tab := letterTable()
	var buf []rune
	for i := range 300 {
		var b strings.Builder
		b.WriteString(genParagraph(r, r.IntN(300)))
		for range r.IntN(40) {
			b.WriteString(pieces[r.IntN(len(pieces))])
			b.WriteString(docWords[r.IntN(len(docWords))])
		}
		// Runs of runes that fold to many letters (18 each), and text after
		// them: more letters than the text has bytes.
		b.WriteString(strings.Repeat("ﷺ", r.IntN(3)*r.IntN(100)))
		b.WriteString(genParagraph(r, r.IntN(300)))
		text := b.String()
		if i%3 == 0 {
			buf = nil
		}
		buf = tab.fold(text, buf)
		if want := foldLetters(text); !slices.Equal(buf, want) {
			t.Fatalf("text %d %q: fold %q, normalizer %q", i, text, string(buf), string(want))
		}
	}
}

// winnowReference is winnowing as first written (a ring of the window's
// hashes, scanned again whenever the minimum leaves it): winnow must give
// the same fingerprints under any selection (under unkeyed, those that
// documents stored in format 1 were selected by).
func winnowReference(sel selection, runes []rune) []Fingerprint {
	var dst []Fingerprint
	n := len(runes) - K + 1
	if n <= 0 {
		return dst
	}
	var (
		ring    [W]uint64
		h       uint64
		minPos  = -1
		lastPos = -1
		pow     = uint64(1) // kgramBase^(K-1): removes the oldest rune
	)
	for range K - 1 {
		pow *= kgramBase
	}
	for i, r := range runes {
		if i >= K {
			h -= uint64(runes[i-K]) * pow
		}
		h = h*kgramBase + uint64(r)
		if i < K-1 {
			continue
		}
		p := i - K + 1
		ring[p%W] = sel.mix(h)
		if p < W-1 && p < n-1 {
			continue
		}
		lo := max(0, p-W+1)
		if minPos < lo {
			minPos = lo
			for q := lo + 1; q <= p; q++ {
				if ring[q%W] <= ring[minPos%W] {
					minPos = q
				}
			}
		} else if ring[p%W] <= ring[minPos%W] {
			minPos = p
		}
		if minPos != lastPos {
			dst = append(dst, Fingerprint{Hash: ring[minPos%W], Pos: uint32(minPos)})
			lastPos = minPos
		}
	}
	return dst
}

// TestWinnowIsReference checks winnow against winnowReference on texts of
// every length up to a few windows, with repeated characters and phrases
// (equal hashes in a window: the rightmost must win), through reused
// scratch.
func TestWinnowIsReference(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	sels := []selection{unkeyed, testKey(t).sel}
	var keys []uint64
	var out []Fingerprint
	for i := range 2000 {
		var text string
		switch i % 4 {
		case 0:
			text = genParagraph(r, r.IntN(4*W))
		case 1:
			text = strings.Repeat("哈", r.IntN(4*W))
		case 2:
			text = strings.Repeat(docWords[r.IntN(len(docWords))]+docWords[r.IntN(len(docWords))], r.IntN(30))
		default:
			text = genParagraph(r, 500+r.IntN(500))
		}
		runes := foldLetters(text)
		for _, sel := range sels {
			out, keys = winnow(sel, runes, keys, out[:0])
			if want := winnowReference(sel, runes); !slices.Equal(out, want) {
				t.Fatalf("text %d (%d letters), selection %x: winnow %v, reference %v", i, len(runes), sel, out, want)
			}
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

// FuzzFold: the message path's fold gives the normalizer's letters, and
// winnow the reference's fingerprints of them (unkeyed and keyed), on any
// bytes.
func FuzzFold(f *testing.F) {
	for _, s := range []string{"", "客户报价，策略！", "ＡＢＣ abc 123 😀 報價 ①", "\xff\xe4\xb8\xed\xa0\x80", "ﷺ㍿Ⅻ𝐀ⓐ", strings.Repeat("哈", 40)} {
		f.Add(s)
	}
	tab := letterTable()
	sel := testKey(f).sel
	f.Fuzz(func(t *testing.T, text string) {
		got := tab.fold(text, nil)
		if want := foldLetters(text); !slices.Equal(got, want) {
			t.Fatalf("%q: fold %q, normalizer %q", text, string(got), string(want))
		}
		for _, sel := range []selection{unkeyed, sel} {
			if fps, _ := winnow(sel, got, nil, nil); !slices.Equal(fps, winnowReference(sel, got)) {
				t.Fatalf("%q: winnow under %x differs from the reference", text, sel)
			}
		}
	})
}
