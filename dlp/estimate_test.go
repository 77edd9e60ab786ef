package dlp

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/wecom-guard/wecom-guard/rules"
)

// randomKey returns the key of a random secret.
func randomKey(t testing.TB, r *rand.Rand) *Key {
	t.Helper()
	secret := make([]byte, 32)
	for i := range secret {
		secret[i] = byte(r.Uint32())
	}
	k, err := NewKey(secret)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestSelectionIsKeyed: which k-grams a document keeps depends on the
// secret (their positions are stored in the clear), is the same for the
// same secret, and a document stored under one secret matches nothing
// under another.
func TestSelectionIsKeyed(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	doc := genDocument(r, 4, 150)
	unkeyedPos := positions(fingerprintDocumentAES(testKey(t), doc))
	for i := range 20 {
		secret := fmt.Appendf(nil, "secret number %d of the test, random enough", i)
		a, err := NewKey(secret)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := NewKey(secret)
		b := randomKey(t, r)
		pa := positions(FingerprintDocument(a, doc))
		if !slices.Equal(pa, positions(FingerprintDocument(again, doc))) {
			t.Fatalf("secret %d: the same secret keeps other k-grams", i)
		}
		if slices.Equal(pa, positions(FingerprintDocument(b, doc))) || slices.Equal(pa, unkeyedPos) {
			t.Fatalf("secret %d: another secret (or none) keeps the same k-grams", i)
		}
		// Stored under a, checked under b: nothing matches, not even the
		// whole document; under a it does.
		p := FingerprintDocument(a, doc)
		loaded := []LoadedDoc{{Doc: Document{ID: "d", Name: "报价", Chars: p.Chars}, Prints: p}}
		whole := "转发：" + strings.Join(doc, "\n")
		if got := NewIndex(b, Options{}, nil, loaded).Documents(whole, nil); len(got) != 0 {
			t.Fatalf("secret %d: a document stored under another secret matched: %+v", i, got)
		}
		if got := NewIndex(a, Options{}, nil, loaded).Documents(whole, nil); len(got) != 1 || got[0].Shared != p.Chars {
			t.Fatalf("secret %d: under its own secret: %+v", i, got)
		}
	}
}

// shortDoc returns a document of about chars normalized characters, in
// sentences of 20 to 60.
func shortDoc(r *rand.Rand, chars int) []string {
	var paras []string
	for left := chars; left > 0; {
		n := min(left, 20+r.IntN(40))
		if left-n < 10 {
			n = left
		}
		paras = append(paras, genParagraph(r, n))
		left -= n
	}
	return paras
}

// editSentences changes one character of every sentence (at random among
// its letters), spaces out the commas and adds punctuation.
func editSentences(r *rand.Rand, paras []string) string {
	var b strings.Builder
	for _, p := range paras {
		for _, sent := range strings.SplitAfter(p, "。") {
			rs := []rune(sent)
			var letters []int
			for i, c := range rs {
				if len(foldLetters(string(c))) == 1 {
					letters = append(letters, i)
				}
			}
			if len(letters) > 0 {
				rs[letters[r.IntN(len(letters))]] = '甲'
			}
			b.WriteString(strings.ReplaceAll(string(rs), "，", " ，  "))
		}
		b.WriteString("！！\n")
	}
	return b.String()
}

// spread is a distribution's range and median, for the log.
func spread(v []float64) string {
	if len(v) == 0 {
		return "none"
	}
	v = slices.Sorted(slices.Values(v))
	return fmt.Sprintf("%.2f–%.2f (median %.2f, %d)", v[0], v[len(v)-1], v[len(v)/2], len(v))
}

// TestEstimateOverKeys: how much of a document a message shares is
// estimated from what the two share, not from which fingerprints the
// message happened to select, so the decision holds under every key (50
// random secrets here): a full paste of a short document is estimated at
// its whole length (so it always reaches its threshold, 30 % of it or 23
// characters), an edited copy of one (a character changed in every
// sentence, spacing and punctuation; sentences of 40 characters or more)
// still reaches its threshold, and unrelated text of the same vocabulary
// reaches no threshold of a document with two fingerprints or more, not
// even 23 characters (a document with one is all in that one k-gram: how
// often a phrase in common matches one is logged).
func TestEstimateOverKeys(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	sizes := []int{23, 24, 31, 40, 55, 76, 100, 140, 166}
	var fullShare, editShare []float64
	onePrint, onePrintDocs := 0, 0
	oneSentence := []int{24, 30, 40, 47, 60}
	var info0 map[string]docInfo
	missed, missedLong := map[int]int{}, map[int]int{}
	for k := range 50 {
		key := randomKey(t, r)
		docs := map[string][]string{"长文件": genDocument(r, 8, 150)}
		for _, c := range sizes {
			docs[fmt.Sprintf("短文件%d", c)] = shortDoc(r, c)
		}
		for i := range 6 { // 2 or 3 sentences of 40 to 55 characters
			docs[fmt.Sprintf("改动%d", i)] = genDocument(r, 2+i%2, 40+r.IntN(16))
		}
		for _, c := range oneSentence {
			docs[fmt.Sprintf("一句%d", c)] = []string{genParagraph(r, c)}
		}
		x := docIndex(t, key, docs)
		info := map[string]docInfo{}
		info0 = info
		for _, d := range x.docs {
			info[d.Name] = d
		}
		check := func(name, how, text string) int {
			t.Helper()
			got := x.Documents(text, nil)
			if len(got) != 1 || got[0].Set != name {
				t.Fatalf("key %d, %s (%d characters, threshold %d), %s: %+v", k, name, info[name].Chars, info[name].threshold, how, got)
			}
			return got[0].Shared
		}
		for _, c := range sizes {
			name := fmt.Sprintf("短文件%d", c)
			d, text := info[name], strings.Join(docs[name], "\n")
			for how, msg := range map[string]string{
				"pasted":      text,
				"forwarded":   "转发一下：" + text + " 先别外传",
				"spaced":      strings.Join(strings.Split(text, ""), " "),
				"punctuation": strings.ReplaceAll(text, "，", "。。") + "！！",
			} {
				if shared := check(name, how, msg); shared != d.Chars {
					t.Errorf("key %d, %s %s: shared %d of %d characters", k, name, how, shared, d.Chars)
				}
			}
			fullShare = append(fullShare, float64(check(name, "pasted", text))/float64(d.Chars))
		}
		for i := range 6 {
			name := fmt.Sprintf("改动%d", i)
			d := info[name]
			shared := check(name, "edited", "转发一下："+editSentences(r, docs[name]))
			if shared < d.threshold || shared > d.Chars {
				t.Errorf("key %d, %s edited: shared %d, threshold %d, %d characters", k, name, shared, d.threshold, d.Chars)
			}
			editShare = append(editShare, float64(shared)/float64(d.threshold))
		}
		// A single sentence with a character changed keeps two runs of
		// it: under 2·23 characters neither need hold a window. Stored
		// winnowed (format 2), a copy that kept one fingerprint was taken
		// for a phrase in common and missed (88, 99, 36 and 10 of 200 for
		// 24, 30, 40 and 47 characters); under DenseChars every k-gram is
		// stored (format 3) and none may be missed. Inside a long message
		// format 3 was looked up at the message's fingerprints only, and
		// missed 20 (24 characters) and 5 (30) of 200; format 5 looks the
		// message up at every k-gram its probe tags let through, and none
		// may be missed there either.
		for _, c := range oneSentence {
			name := fmt.Sprintf("一句%d", c)
			for range 4 {
				got := x.Documents("转发一下："+editSentences(r, docs[name]), nil)
				if len(got) == 0 || got[0].Set != name || got[0].Shared < info[name].threshold {
					missed[c]++
				}
				// In a long message (over maxDenseProbe letters).
				long := genParagraph(r, 150) + editSentences(r, docs[name]) + genParagraph(r, 150)
				if got := x.Documents(long, nil); !slices.ContainsFunc(got, func(m rules.DataMatch) bool { return m.Set == name }) {
					missedLong[c]++
				}
			}
		}
		// The lowest threshold any document can have: 23 characters.
		var all []LoadedDoc
		for name, paras := range docs {
			p := FingerprintDocument(key, paras)
			all = append(all, LoadedDoc{Doc: Document{ID: name, Name: name, Chars: p.Chars}, Prints: p})
		}
		strict := NewIndex(key, Options{MinChars: Guarantee}, nil, all)
		for i := range 80 {
			// Long texts, and short ones, which are looked up at every
			// k-gram (maxDenseProbe).
			text := genParagraph(r, 300)
			if i%2 == 1 {
				text = genParagraph(r, 30+r.IntN(maxDenseProbe-40))
			}
			for _, ix := range []*Index{x, strict} {
				for _, m := range ix.Documents(text, nil) {
					if info[m.Set].prints > 1 {
						t.Fatalf("key %d, unrelated %q: %+v", k, text, m)
					}
					if ix == strict {
						onePrint++
					}
				}
			}
		}
		for _, d := range x.docs {
			if d.prints == 1 {
				onePrintDocs++
			}
		}
	}
	t.Logf("full paste, shared ÷ length: %s", spread(fullShare))
	t.Logf("edited copy, shared ÷ threshold: %s", spread(editShare))
	t.Logf("unrelated texts (%d) matching a document with a single fingerprint (%d of %d documents): %d", 50*80, onePrintDocs, 50*len(info0), onePrint)
	for _, c := range oneSentence {
		t.Logf("one sentence of %d characters, one changed: %d of %d copies missed; in a long message %d", c, missed[c], 50*4, missedLong[c])
		if missed[c] > 0 || missedLong[c] > 0 {
			t.Errorf("%d edited copies of a sentence of %d characters missed, %d in a long message", missed[c], c, missedLong[c])
		}
	}
}

// TestCommonPhraseIsNoCopy: a message that shares a single k-gram with a
// document (a phrase in common) is estimated at fewer than 23 characters,
// so it matches no document with two fingerprints or more, whichever of
// the document's fingerprints the phrase is, under every key. A document
// with a single fingerprint (stored winnowed, format 2: those of formats 3 and 4
// have one at every k-gram) is matched only when the message's windows
// agree with a copy of it (covers); how often that happens is logged. The
// same documents stored in format 5 match no phrase, at any of their
// k-grams.
func TestCommonPhraseIsNoCopy(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	filler := []rune("天地玄黄宇宙洪荒日月盈昃辰宿列张寒来暑往秋收冬藏闰余成岁律吕调阳云腾致雨露结为霜")
	fill := func(n int) string {
		out := make([]rune, n)
		for i := range out {
			out[i] = filler[r.IntN(len(filler))]
		}
		return string(out)
	}
	phrases, single, singleMatched := 0, 0, 0
	for k := range 200 {
		key := randomKey(t, r)
		paras := genDocument(r, 1+k%2, 12+r.IntN(10))
		p := fingerprintDocumentWinnowed(key, paras)
		x := NewIndex(key, Options{}, nil, []LoadedDoc{{Doc: Document{ID: "d", Name: "短文件", Chars: p.Chars}, Prints: p}})
		if x.docs[0].threshold != Guarantee {
			continue
		}
		dense := docIndex(t, key, map[string][]string{"短文件": paras})
		letters := foldLetters(strings.Join(paras, ""))
		for i := range len(letters) - K + 1 {
			phrase := string(letters[i : i+K])
			for _, text := range []string{phrase + fill(30), fill(30) + phrase, fill(15) + phrase + fill(15)} {
				if got := dense.Documents(text, nil); len(got) != 0 || !dense.docs[0].dense {
					t.Fatalf("key %d: one k-gram in common (%s) matched a document of format 5: %+v", k, phrase, got)
				}
				if !slices.ContainsFunc(p.Prints, func(f Fingerprint) bool { return int(f.Pos) == i }) {
					continue
				}
				got := x.Documents(text, nil)
				if x.docs[0].prints == 1 {
					single++
					singleMatched += len(got)
					continue
				}
				phrases++
				if len(got) != 0 {
					t.Fatalf("key %d: one k-gram in common (%s of %d characters) matched: %+v", k, phrase, x.docs[0].Chars, got)
				}
			}
		}
	}
	if phrases < 100 || single < 30 {
		t.Fatalf("only %d phrases checked (%d of documents with a single fingerprint)", phrases, single)
	}
	t.Logf("phrases of documents with two fingerprints or more: %d, none matched; of documents with one: %d of %d matched", phrases, singleMatched, single)
}
