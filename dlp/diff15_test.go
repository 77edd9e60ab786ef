package dlp

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// Differential tests of issue 15's fourth round: fold, kgrams and winnow
// must give exactly what they gave before (before15_test.go), and the
// blocked tag filter must never lose a tag.

// TestFoldIsBefore15ThreeBytes: every three-byte sequence with a lead byte
// 0xE0–0xEF (valid, overlong, surrogate, bad continuations), and every
// lead byte 0x80–0xFF with a sample of the continuations, alone, after
// and before ASCII, before a Han character and cut at the end of the text.
func TestFoldIsBefore15ThreeBytes(t *testing.T) {
	tab := letterTable()
	var a, b []rune
	var sb []byte
	check := func(s []byte) {
		text := string(s)
		a = tab.fold(text, a)
		b = tab.foldBefore15(text, b)
		if !slices.Equal(a, b) {
			t.Fatalf("%q: fold %q, before %q", text, string(a), string(b))
		}
	}
	variants := func(c, b1, b2 byte) {
		sb = append(sb[:0], c, b1, b2)
		check(sb)
		sb = append(sb[:0], 'a', c, b1, b2)
		check(sb)
		sb = append(sb[:0], 'a', c, b1, b2, 'b', 'c')
		check(sb)
		sb = append(sb[:0], c, b1, b2, 0xe5, 0xae, 0xa2)
		check(sb)
		sb = append(sb[:0], 'a', 'b', c, b1)
		check(sb)
	}
	for c := 0xE0; c <= 0xEF; c++ {
		for b1 := range 256 {
			for b2 := range 256 {
				variants(byte(c), byte(b1), byte(b2))
			}
		}
	}
	edge := []byte{0x00, 0x41, 0x7F, 0x80, 0x81, 0x9F, 0xA0, 0xBF, 0xC0, 0xE4, 0xF0, 0xFF}
	for c := 0x80; c <= 0xFF; c++ {
		for _, b1 := range edge {
			for _, b2 := range edge {
				variants(byte(c), b1, b2)
			}
		}
	}
}

// TestFoldIsBefore15Random: random strings of random bytes, of random
// runes of every plane, and of pieces (expansions, emoji, invalid
// sequences), of every length up to 40 bytes and a few long ones, folded
// into reused buffers of every size.
func TestFoldIsBefore15Random(t *testing.T) {
	tab := letterTable()
	r := rand.New(rand.NewPCG(15, 4))
	pieces := []string{"，", " ", "ＡＢＣ", "abc", "123", "😀", "報價", "\xff", "①", "客户", "Ｑ３", "𝐀", "ⓐ",
		"ﷺ", "㍿", "Ⅻ", "\xe4\xb8", "\xed\xa0\x80", "\xe0\x80\xaf", "\xef\xbf\xbf", "\xe0\xa0\x80", "\xf0\x9f", "ß", "ﬃ"}
	var a, b []rune
	var sb strings.Builder
	for i := range 60000 {
		sb.Reset()
		n := r.IntN(41)
		if i%500 == 0 {
			n = 2000 + r.IntN(2000)
		}
		switch i % 3 {
		case 0:
			for range n {
				sb.WriteByte(byte(r.Uint32()))
			}
		case 1:
			for sb.Len() < n {
				var rn rune
				switch r.IntN(4) {
				case 0:
					rn = rune(r.IntN(0x80))
				case 1:
					rn = rune(r.IntN(0x10000))
				case 2:
					rn = rune(0x4E00 + r.IntN(0x5200))
				default:
					rn = rune(r.IntN(0x110000))
				}
				sb.WriteString(string(rn))
			}
		default:
			for sb.Len() < n {
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
		b = tab.foldBefore15(text, b)
		if !slices.Equal(a, b) {
			t.Fatalf("%q: fold %q, before %q", text, string(a), string(b))
		}
	}
	if !utf8.ValidString("客户") { // keep the import when the cases change
		t.Fatal("utf8")
	}
}

// TestWinnowIsBefore15: kgrams and winnow give the k-gram hashes and the
// fingerprints they gave before, under both selections, for texts of
// every length from 0 to 6 windows (around K and W), from alphabets of 1,
// 2, 3 and many letters (ties between equal hashes: the rightmost minimum
// is kept), for real-looking paragraphs, appended to a non-empty dst.
func TestWinnowIsBefore15(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 5))
	sels := []selection{unkeyed, testKey(t).sel, {x: ^uint64(0), m: 1}}
	alphabets := [][]rune{{'哈'}, {'a', 'b'}, {'客', '户', '价'}, nil}
	var keys, keysB []uint64
	var out, outB []Fingerprint
	check := func(runes []rune) {
		t.Helper()
		for _, sel := range sels {
			keys = kgrams(sel, runes, keys)
			keysB = kgramsBefore15(sel, runes, keysB)
			if !slices.Equal(keys, keysB) {
				t.Fatalf("%d letters %q: kgrams differ", len(runes), string(runes))
			}
			prefix := Fingerprint{Hash: 7, Pos: 9}
			out, keys = winnow(sel, runes, keys, append(out[:0], prefix))
			outB, keysB = winnowBefore15(sel, runes, keysB, append(outB[:0], prefix))
			if !slices.Equal(out, outB) {
				t.Fatalf("%d letters %q, selection %x: winnow %v, before %v", len(runes), string(runes), sel, out, outB)
			}
			if got, want := out[1:], winnowReference(sel, runes); !slices.Equal(got, want) {
				t.Fatalf("%d letters: winnow %v, reference %v", len(runes), got, want)
			}
		}
	}
	for n := 0; n <= 6*(W+K); n++ {
		for ai, al := range alphabets {
			for range 4 {
				runes := make([]rune, n)
				for i := range runes {
					if al == nil {
						runes[i] = rune(0x4E00 + r.IntN(0x5200))
					} else {
						runes[i] = al[r.IntN(len(al))]
					}
				}
				check(runes)
				if ai == 0 {
					break
				}
			}
		}
	}
	for range 200 {
		check(foldLetters(genParagraph(r, r.IntN(3000))))
	}
	// Periodic texts: the same window of hashes over and over.
	for p := 1; p <= 2*W+1; p++ {
		base := make([]rune, p)
		for i := range base {
			base[i] = rune('a' + r.IntN(3))
		}
		check([]rune(strings.Repeat(string(base), 400/p+1)))
	}
}

// TestTagFilterNeverMisses: every tag added is found, for 1,000,000 tags
// and at every size from 0 values up; an empty (zero) filter holds
// nothing; the block count is always a power of two (the mask is
// blocks-1) and capped.
func TestTagFilterNeverMisses(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 6))
	var zero tagFilter
	if zero.has(0) || zero.has(12345) {
		t.Fatal("the zero filter holds a tag")
	}
	sizes := []int{0, 1, 2, 3, 4, 5, 7, 63, 64, 65, 127, 128, 129, 1000, 4097, 65537, 1_000_000}
	for _, n := range sizes {
		f := newTagFilter(max(n, 1))
		blocks := len(f.words) / 8
		if blocks*8 != len(f.words) || blocks&(blocks-1) != 0 || f.mask != uint64(blocks-1) || blocks > maxTagBlocks {
			t.Fatalf("n=%d: %d words, mask %d", n, len(f.words), f.mask)
		}
		tags := make([]uint32, n)
		for i := range tags {
			tags[i] = r.Uint32()
			f.add(tags[i])
		}
		for _, tag := range tags {
			if !f.has(tag) {
				t.Fatalf("n=%d: tag %#x added is not in the filter", n, tag)
			}
		}
	}
	// One value: the edge tags.
	for _, tag := range []uint32{0, 1, 1 << 31, ^uint32(0)} {
		f := newTagFilter(1)
		f.add(tag)
		if !f.has(tag) {
			t.Fatalf("tag %#x alone is not in the filter", tag)
		}
	}
	for _, n := range []int{1 << 22, 1 << 23, 1 << 30, 1 << 40} {
		if b := min(max(tableSize(n)/128, 1), maxTagBlocks); b&(b-1) != 0 || b > maxTagBlocks {
			t.Fatalf("n=%d: %d blocks", n, b)
		}
	}
}

// TestEveryKindIsFound: with one filter a column kind, every value of
// every kind is found as the detectors and the tokens report it, when the
// sets hold the kinds in different columns and orders, a kind has a few
// values beside a kind with thousands, a value is in two sets, a column
// has no valid value, and an untagged set holds a kind a tagged set holds
// too.
func TestEveryKindIsFound(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 7))
	key := testKey(t)
	csv, rows := genCSV(r, 3000)
	big := setOf(importTest(t, key, csv, "卡号=bank_card,客户编号=customer_no,证件号=id_card,手机=phone"), "大")
	var b strings.Builder
	b.WriteString("手机,编号,卡号,邮箱\n")
	small := [][2]string{{genPhone(r), "HT-20270001"}, {rows[7][0], "HT-20270002"}, {genPhone(r), "HT-20270003"}}
	for i, s := range small {
		fmt.Fprintf(&b, "%s,%s,不是卡号,user%d@example.com\n", s[0], s[1], i)
	}
	little := setOf(importTest(t, key, b.String(), "邮箱=email,卡号=bank_card,编号=contract_no,手机=phone"), "小")
	csv3, rows3 := genCSV(r, 20)
	old := setOf(importTest(t, key, csv3, "证件号=id_card"), "旧")
	old.Set.Format = EntryFormatUntagged
	for i := range old.Entries {
		old.Entries[i].Tag = 0
	}
	x := NewIndex(key, Options{}, []LoadedSet{big, little, old}, nil)
	found := func(k moderation.Kind, v, set string) {
		t.Helper()
		if m, ok := x.Record(k, v); !ok || m.Set != set {
			t.Fatalf("%v %q: %+v %v, want set %q", k, v, m, ok, set)
		}
	}
	for i, row := range rows {
		found(moderation.KindPhone, row[0], "大")
		found(moderation.KindIDCard, row[1], "大")
		found(moderation.KindBankCard, row[2], "大")
		no := fmt.Sprintf("CU%07d", i)
		if ms := x.Tokens("客户编号 "+no+" 请核对", nil); len(ms) != 1 || ms[0].Set != "大" {
			t.Fatalf("token %s: %+v", no, ms)
		}
	}
	for i, s := range small {
		want := "小"
		if i == 1 {
			want = "大"
		}
		found(moderation.KindPhone, s[0], want)
		found(moderation.KindEmail, fmt.Sprintf("user%d@example.com", i), "小")
		if ms := x.Tokens("合同"+s[1], nil); len(ms) != 1 || ms[0].Set != "小" {
			t.Fatalf("token %s: %+v", s[1], ms)
		}
	}
	for _, row := range rows3 {
		found(moderation.KindIDCard, row[1], "旧")
	}
	if _, ok := x.Record(moderation.KindPhone, genPhone(r)); ok {
		t.Error("a random number matched")
	}
}

// TestWinnowKeysAreKgrams: the k-gram hashes winnow leaves in keys (its
// own loop computes them since the sixth round, rollMinima; the walks
// from a hit and the probe tags read them) are those kgrams gave before,
// for texts of every length from 0 to 6 windows and long paragraphs,
// into scratch reused across lengths.
func TestWinnowKeysAreKgrams(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 6))
	sels := []selection{unkeyed, testKey(t).sel}
	var keys []uint64
	var out []Fingerprint
	check := func(runes []rune) {
		t.Helper()
		for _, sel := range sels {
			out, keys = winnow(sel, runes, keys, out[:0])
			want := kgramsBefore15(sel, runes, nil)
			if len(want) == 0 {
				continue // winnow leaves keys as they were
			}
			if !slices.Equal(keys, want) {
				t.Fatalf("%d letters, selection %x: winnow's keys differ from kgrams'", len(runes), sel)
			}
		}
	}
	for n := 0; n <= 6*(W+K); n++ {
		runes := make([]rune, n)
		for i := range runes {
			runes[i] = rune(0x4E00 + r.IntN(0x5200))
		}
		check(runes)
	}
	for range 100 {
		check(foldLetters(genParagraph(r, r.IntN(3000))))
	}
}
