package dlp

import (
	"bufio"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
)

// Differential tests of issue 15's seventh round: fold, winnow and the
// fingerprints' SipHash give exactly what the sixth round's code gave
// (before7_test.go), letters, k-gram hashes, fingerprints, stored forms
// and the table's hits, on random bytes, generated documents and, when
// WG_BENCH_TEXT names it, the chat corpus.

// TestThreeSlotIsBijective: threeSlot takes the 65,536 sequences of a lead
// byte 0xE0–0xEF and two continuation bytes to 65,536 different slots,
// whatever the five bytes after them, and threeIndex holds there what the
// sixth round's table held for the sequence.
func TestThreeSlotIsBijective(t *testing.T) {
	tab := letterTable()
	old := tab.threeRound6()
	r := rand.New(rand.NewPCG(7, 1))
	var seen [0x10000]bool
	for c := uint64(0xE0); c <= 0xEF; c++ {
		for b1 := uint64(0x80); b1 <= 0xBF; b1++ {
			for b2 := uint64(0x80); b2 <= 0xBF; b2++ {
				w := c | b1<<8 | b2<<16
				s := threeSlot(w)
				if seen[s] {
					t.Fatalf("%x %x %x: slot %#x taken twice", c, b1, b2, s)
				}
				seen[s] = true
				if hi := threeSlot(w | r.Uint64()<<24); hi != s {
					t.Fatalf("%x %x %x: slot %#x, %#x with other bytes after it", c, b1, b2, s, hi)
				}
				if got, want := tab.threeIndex[s], old[(c<<12^b1<<6^b2)&0xFFFF]; got != want {
					t.Fatalf("%x %x %x: threeIndex %#x, three %#x", c, b1, b2, got, want)
				}
			}
		}
	}
}

// TestFoldIsRound6ThreeBytes: every three-byte sequence with a lead byte
// 0xE0–0xEF (valid, overlong, surrogate, bad continuations) inside text
// long enough for foldCommon's eight-byte loop, as the first and as the
// second of a pair, after ASCII and before it, and in the last eight bytes.
func TestFoldIsRound6ThreeBytes(t *testing.T) {
	tab := letterTable()
	var a, b []rune
	var sb []byte
	check := func() {
		text := string(sb)
		a = tab.fold(text, a)
		b = tab.foldRound6(text, b)
		if !slices.Equal(a, b) {
			t.Fatalf("%q: fold %q, sixth round %q", text, string(a), string(b))
		}
	}
	han := "客户报价"
	for c := 0xE0; c <= 0xEF; c++ {
		for b1 := range 256 {
			for b2 := range 256 {
				seq := []byte{byte(c), byte(b1), byte(b2)}
				for _, pre := range []string{"", "客", "a"} {
					sb = append(append(append(sb[:0], pre...), seq...), han...)
					check()
				}
				sb = append(append(append(sb[:0], han...), seq...), 'a')
				check()
			}
		}
	}
}

// TestFoldIsRound6Random: random bytes, random runes of every plane and
// random pieces (Han, punctuation, ASCII, expansions, emoji, invalid and
// cut sequences), of every length to 64 bytes and a few of 2–4 KB, folded
// into reused buffers of every size.
func TestFoldIsRound6Random(t *testing.T) {
	tab := letterTable()
	r := rand.New(rand.NewPCG(7, 2))
	pieces := []string{"，", "。", " ", "ＡＢＣ", "abc", "123", "😀", "報價", "\xff", "①", "客户", "Ｑ３", "𝐀", "ⓐ",
		"ﷺ", "㍿", "Ⅻ", "\xe4\xb8", "\xed\xa0\x80", "\xe0\x80\xaf", "\xef\xbf\xbf", "\xe0\xa0\x80", "\xf0\x9f", "ß", "ﬃ", "策略"}
	var a, b []rune
	var sb strings.Builder
	for i := range 100000 {
		sb.Reset()
		n := r.IntN(65)
		if i%500 == 0 {
			n = 2000 + r.IntN(2000)
		}
		for sb.Len() < n {
			switch i % 3 {
			case 0:
				sb.WriteByte(byte(r.Uint32()))
			case 1:
				switch r.IntN(4) {
				case 0:
					sb.WriteRune(rune(r.IntN(0x80)))
				case 1:
					sb.WriteRune(rune(r.IntN(0x10000)))
				case 2:
					sb.WriteRune(rune(0x4E00 + r.IntN(0x5200)))
				default:
					sb.WriteRune(rune(r.IntN(0x110000)))
				}
			default:
				sb.WriteString(pieces[r.IntN(len(pieces))])
			}
		}
		text := sb.String()
		if r.IntN(4) == 0 {
			a, b = nil, nil
		} else if r.IntN(3) == 0 {
			a, b = make([]rune, r.IntN(8)), make([]rune, r.IntN(8))
		}
		a = tab.fold(text, a)
		b = tab.foldRound6(text, b)
		if !slices.Equal(a, b) {
			t.Fatalf("%q: fold %q, sixth round %q", text, string(a), string(b))
		}
	}
}

// TestWinnowIsRound6: winnow gives the k-gram hashes and fingerprints the
// sixth round's gave, under both selections and a degenerate one, for
// texts of every length to 6 windows from alphabets of 1, 2, 3 and many
// letters (ties: the rightmost minimum), periodic texts and paragraphs,
// appended to a non-empty dst, through reused scratch.
func TestWinnowIsRound6(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 3))
	sels := []selection{unkeyed, testKey(t).sel, {x: ^uint64(0), m: 1}}
	var keys, keysB []uint64
	var out, outB []Fingerprint
	check := func(runes []rune) {
		t.Helper()
		for _, sel := range sels {
			prefix := Fingerprint{Hash: 7, Pos: 9}
			out, keys = winnow(sel, runes, keys, append(out[:0], prefix))
			outB, keysB = winnowRound6(sel, runes, keysB, append(outB[:0], prefix))
			if !slices.Equal(out, outB) {
				t.Fatalf("%d letters %q, selection %x: winnow %v, sixth round %v", len(runes), string(runes), sel, out, outB)
			}
			if len(runes) >= K && !slices.Equal(keys, keysB) {
				t.Fatalf("%d letters, selection %x: k-gram hashes differ", len(runes), sel)
			}
		}
	}
	alphabets := [][]rune{{'哈'}, {'a', 'b'}, {'客', '户', '价'}, nil}
	for n := 0; n <= 6*(W+K); n++ {
		for _, al := range alphabets {
			runes := make([]rune, n)
			for i := range runes {
				if al == nil {
					runes[i] = rune(0x4E00 + r.IntN(0x5200))
				} else {
					runes[i] = al[r.IntN(len(al))]
				}
			}
			check(runes)
		}
	}
	for p := 1; p <= 2*W+1; p++ {
		base := make([]rune, p)
		for i := range base {
			base[i] = rune('a' + r.IntN(3))
		}
		check([]rune(strings.Repeat(string(base), 700/p+1)))
	}
	for range 300 {
		check(foldLetters(genParagraph(r, r.IntN(3000))))
	}
}

// TestSealPrintsIsRound6: the stored forms are the sixth round's, for
// random values with runs of equal ones (a repeated phrase's minimum),
// neighbours a bit apart and the edge values, under random keys.
func TestSealPrintsIsRound6(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 4))
	for range 200 {
		k0, k1 := r.Uint64(), r.Uint64()
		fps := make([]Fingerprint, r.IntN(300))
		for i := range fps {
			switch {
			case i > 0 && r.IntN(3) == 0:
				fps[i].Hash = fps[i-1].Hash
			case i > 0 && r.IntN(4) == 0: // one bit from the one before
				fps[i].Hash = fps[i-1].Hash ^ 1<<r.IntN(64)
			case r.IntN(20) == 0:
				fps[i].Hash = [...]uint64{0, ^uint64(0), 1 << 63}[r.IntN(3)]
			default:
				fps[i].Hash = r.Uint64()
			}
		}
		got, want := make([]uint64, len(fps)), make([]uint64, len(fps))
		sealPrints(k0, k1, fps, got)
		sealPrintsRound6(k0, k1, fps, want)
		if !slices.Equal(got, want) {
			t.Fatalf("%d values: %x, sixth round %x", len(fps), got, want)
		}
	}
}

// corpusMessages returns messages made of the lines of the chat corpus
// WG_BENCH_TEXT names (none when it is not set): single lines, and runs of
// consecutive lines joined by newlines up to 1–4 KB, as pasted.
func corpusMessages(t *testing.T, r *rand.Rand, max int) []string {
	t.Helper()
	path := os.Getenv("WG_BENCH_TEXT")
	if path == "" {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var msgs []string
	var long strings.Builder
	want := 1024 + r.IntN(3072)
	sc := bufio.NewScanner(f)
	for sc.Scan() && len(msgs) < max {
		line := sc.Text()
		if r.IntN(20) == 0 {
			msgs = append(msgs, line)
		}
		long.WriteString(line)
		long.WriteByte('\n')
		if long.Len() >= want {
			msgs = append(msgs, long.String())
			long.Reset()
			want = 1024 + r.IntN(3072)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return msgs
}

// TestDocumentsAreRound6: a message's letters, k-gram hashes,
// fingerprints, stored forms and hits in the table of protected documents
// are those the sixth round's fold, winnow and sealPrints give, for
// unrelated text of the documents' vocabulary, pasted and edited
// paragraphs, repeated phrases and the chat corpus (WG_BENCH_TEXT); and
// the messages pasting a paragraph are found.
func TestDocumentsAreRound6(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 5))
	key := testKey(t)
	var docs []LoadedDoc
	var paras []string
	for i := range 40 {
		var ps []string
		for range 8 {
			ps = append(ps, genParagraph(r, 120+r.IntN(200)))
		}
		paras = append(paras, ps...)
		p := FingerprintDocument(key, ps)
		docs = append(docs, LoadedDoc{Doc: Document{ID: string(rune('a' + i)), Name: "文档", Chars: p.Chars}, Prints: p})
	}
	x := NewIndex(key, Options{}, nil, docs)
	tab := letterTable()
	var msgs []string
	for i := range 400 {
		var b strings.Builder
		b.WriteString(genParagraph(r, r.IntN(400)))
		switch i % 4 {
		case 0: // a pasted paragraph
			b.WriteString(paras[r.IntN(len(paras))])
		case 1: // an edited one: a character changed every 30
			rs := []rune(paras[r.IntN(len(paras))])
			for j := 15; j < len(rs); j += 30 {
				rs[j] = '改'
			}
			b.WriteString(string(rs))
		case 2: // a repeated phrase
			b.WriteString(strings.Repeat(docWords[r.IntN(len(docWords))], 1+r.IntN(300)))
		}
		b.WriteString(genParagraph(r, r.IntN(400)))
		msgs = append(msgs, b.String())
	}
	msgs = append(msgs, corpusMessages(t, r, 20000)...)
	var sc, sc6 docScratch
	found := 0
	for i, text := range msgs {
		sc.letters = tab.fold(text, sc.letters)
		sc6.letters = tab.foldRound6(text, sc6.letters)
		if !slices.Equal(sc.letters, sc6.letters) {
			t.Fatalf("message %d: letters differ", i)
		}
		sc.fps, sc.keys = winnow(key.sel, sc.letters, sc.keys, sc.fps[:0])
		sc6.fps, sc6.keys = winnowRound6(key.sel, sc6.letters, sc6.keys, sc6.fps[:0])
		if !slices.Equal(sc.fps, sc6.fps) || len(sc.letters) >= K && !slices.Equal(sc.keys, sc6.keys) {
			t.Fatalf("message %d: fingerprints or k-gram hashes differ", i)
		}
		x.seal(&sc, sc.fps)
		sc6.sealed = slices.Grow(sc6.sealed[:0], len(sc6.fps))[:len(sc6.fps)]
		sealPrintsRound6(key.fpK0, key.fpK1, sc6.fps, sc6.sealed)
		x.loadFirst(&sc6)
		if !slices.Equal(sc.sealed, sc6.sealed) {
			t.Fatalf("message %d: stored forms differ", i)
		}
		sc.hits, sc6.hits = sc.hits[:0], sc6.hits[:0]
		x.probe(&sc, passKeyed)
		x.probe(&sc6, passKeyed)
		if !slices.Equal(sc.hits, sc6.hits) {
			t.Fatalf("message %d: hits %v, sixth round %v", i, sc.hits, sc6.hits)
		}
		if i < 400 && i%4 == 0 {
			if len(sc.hits) == 0 || len(x.Documents(text, nil)) == 0 {
				t.Fatalf("message %d pastes a paragraph: %d hits, not found", i, len(sc.hits))
			}
			found++
		}
	}
	t.Logf("%d messages (%d from the corpus), %d pasting a paragraph found", len(msgs), len(msgs)-400, found)
}

// FuzzFoldRound6: on any bytes, fold, winnow (unkeyed and keyed) and the
// stored forms are the sixth round's.
func FuzzFoldRound6(f *testing.F) {
	for _, s := range []string{"", "客户报价，策略！", "ＡＢＣ abc 123 😀 報價 ①", "\xff\xe4\xb8\xed\xa0\x80", "ﷺ㍿Ⅻ𝐀ⓐ",
		strings.Repeat("哈", 40), "客户\xed\xa0\x80报价策略渠道", "ab客户\xe0\x80\xaf报价策略cd", strings.Repeat("好的，", 30)} {
		f.Add(s)
	}
	tab := letterTable()
	key := testKey(f)
	f.Fuzz(func(t *testing.T, text string) {
		got, want := tab.fold(text, nil), tab.foldRound6(text, nil)
		if !slices.Equal(got, want) {
			t.Fatalf("%q: fold %q, sixth round %q", text, string(got), string(want))
		}
		for _, sel := range []selection{unkeyed, key.sel} {
			fps, keys := winnow(sel, got, nil, nil)
			fps6, keys6 := winnowRound6(sel, got, nil, nil)
			if !slices.Equal(fps, fps6) || !slices.Equal(keys, keys6) {
				t.Fatalf("%q: winnow under %x differs from the sixth round's", text, sel)
			}
			out, out6 := make([]uint64, len(fps)), make([]uint64, len(fps))
			sealPrints(key.fpK0, key.fpK1, fps, out)
			sealPrintsRound6(key.fpK0, key.fpK1, fps, out6)
			if !slices.Equal(out, out6) {
				t.Fatalf("%q: stored forms differ", text)
			}
		}
	})
}
