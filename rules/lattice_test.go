package rules

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wecom-guard/wecom-guard/moderation/moderationtest"
)

// latticeLines are the texts TestLatticeMatchesGSE segments: the committed
// corpora, generated chat, and up to 20,000 lines of the benign corpus of
// WG_BENCH_TEXT when it is set.
func latticeLines(t *testing.T) []string {
	t.Helper()
	var lines []string
	for _, path := range []string{"testdata/workplace-zh.txt", "testdata/evasions-zh.txt"} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, strings.Split(string(data), "\n")...)
	}
	lines = append(lines, moderationtest.Messages(500, benchSeed)...)
	lines = append(lines, "今天下午支援交付团队上线", "白色情人节快乐", "我妈妈的生日是下周", "我们打赌博士毕业要几年",
		"这个人渣打银行的卡办好了吗", "帮忙刷单一单五块", "真是个人渣", "国民警卫队", "突发情况请联系值班")
	if path := os.Getenv("WG_BENCH_TEXT"); path != "" {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for n := 0; n < 20000 && sc.Scan(); n++ {
			lines = append(lines, sc.Text())
		}
	}
	return lines
}

// TestLatticeMatchesGSE checks that the lattice segments every run of
// Chinese text exactly as gse's Segment does (the same words, so the same
// frequencies and costs), over the stretches the precision pass asks for:
// a whole run and each split of it into a part before and a part after.
func TestLatticeMatchesGSE(t *testing.T) {
	e := precisionEngine(t)
	p := e.prec
	var l lattice
	var runes []rune
	var offs []int32
	runs, segs := 0, 0
	for _, line := range latticeLines(t) {
		runes, offs, _ = p.norm.Append(line, runes[:0], offs[:0])
		for k := 0; k < len(runes); {
			if !isHan(runes[k]) {
				k++
				continue
			}
			j := k
			for j < len(runes) && isHan(runes[j]) && j-k < 20 {
				j++
			}
			run := runes[k:j]
			l.build(p.seg.Dict, p.logTotal, run)
			runs++
			check := func(from, to int) {
				segs++
				var want []string
				for _, w := range p.seg.Segment([]byte(string(run[from:to]))) {
					want = append(want, w.Token().Text())
				}
				var got []string
				a := from
				for _, w := range l.segment(from, to) {
					got = append(got, string(run[a:a+int(w.n)]))
					a += int(w.n)
				}
				if strings.Join(got, "/") != strings.Join(want, "/") {
					t.Errorf("%q [%d:%d]: lattice %q, gse %q", string(run), from, to, got, want)
				}
			}
			check(0, len(run))
			for s := 1; s < len(run); s++ {
				check(0, s)
				check(s, len(run))
			}
			k = j
		}
	}
	if runs < 1000 {
		t.Fatalf("only %d runs of Chinese text segmented", runs)
	}
	t.Logf("%d runs, %d segmentations compared", runs, segs)
}

// TestLatticeFrequencies checks that the words the lattice finds carry
// gse's frequencies.
func TestLatticeFrequencies(t *testing.T) {
	p := precisionEngine(t).prec
	var l lattice
	text := []rune("我们打赌博士毕业要几年")
	l.build(p.seg.Dict, p.logTotal, text)
	for a := range text {
		for _, w := range l.words[l.start[a]:l.start[a+1]] {
			word := string(text[a : a+int(w.n)])
			f, _, ok := p.seg.Dict.Find([]byte(word))
			if !ok || f != w.freq || utf8.RuneCountInString(word) != int(w.n) {
				t.Errorf("%s: lattice frequency %v, gse %v (found %v)", word, w.freq, f, ok)
			}
		}
	}
	if len(l.words) < len(text) {
		t.Errorf("only %d words in %q", len(l.words), string(text))
	}
}

// TestBigramIndex checks hasBigram against a search of all bigrams, for
// every pair of the committed corpora and pairs outside the indexed block.
func TestBigramIndex(t *testing.T) {
	d := precisionEngine(t).prec.dict
	pairs := [][2]rune{{'㐀', '一'}, {'𠀀', '的'}, {'鿿', '一'}, {0x4DFF, 0x4E00}, {'a', 'b'}}
	for _, line := range latticeLines(t) {
		var prev rune
		for _, r := range line {
			if prev != 0 {
				pairs = append(pairs, [2]rune{prev, r})
			}
			prev = r
		}
	}
	found := 0
	for _, p := range pairs {
		_, want := slices.BinarySearch(d.bigrams, uint64(p[0])<<32|uint64(p[1]))
		if got := d.hasBigram(p[0], p[1]); got != want {
			t.Errorf("hasBigram(%q, %q) = %v, want %v", p[0], p[1], got, want)
		}
		if want {
			found++
		}
	}
	if found < 1000 {
		t.Errorf("only %d of %d pairs are bigrams", found, len(pairs))
	}
}
