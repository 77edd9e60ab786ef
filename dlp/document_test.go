package dlp

import (
	"archive/zip"
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/wecom-guard/wecom-guard/rules"
)

func docIndex(t testing.TB, key *Key, docs map[string][]string) *Index {
	t.Helper()
	var loaded []LoadedDoc
	for name, paras := range docs {
		p := FingerprintDocument(key, paras)
		loaded = append(loaded, LoadedDoc{Doc: Document{ID: name, Name: name, Category: "报价", Chars: p.Chars}, Prints: p})
	}
	return NewIndex(key, Options{}, nil, loaded)
}

// edit applies a small edit: punctuation and spaces added, one character
// changed, traditional and full-width forms.
func edits(s string) map[string]string {
	rs := []rune(s)
	changed := append([]rune(nil), rs...)
	changed[len(changed)/2] = '甲'
	spaced := strings.Join(strings.Split(s, ""), " ")
	punct := strings.ReplaceAll(s, "，", "。。") + "！！"
	return map[string]string{
		"verbatim":         s,
		"changed char":     string(changed),
		"spaced":           spaced,
		"punctuation":      punct,
		"quoted in a chat": "大家看下这个：" + s + " 先别外传",
		"traditional":      strings.NewReplacer("报价", "報價", "经销商", "經銷商", "审批", "審批", "项目", "項目").Replace(s),
	}
}

func TestDocumentsEditedCopiesMatch(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	key := testKey(t)
	docs := map[string][]string{}
	for i := range 50 {
		docs["文件"+string(rune('A'+i%26))+string(rune('a'+i/26))] = genDocument(r, 12, 120)
	}
	secret := genDocument(r, 8, 150)
	docs["2027年报价策略"] = secret
	x := docIndex(t, key, docs)
	if x.MinSpan() != DefaultMinChars {
		t.Fatalf("MinSpan %d, want %d", x.MinSpan(), DefaultMinChars)
	}
	para := []rune(secret[2])
	excerpt := string(para[10:80]) // 70 characters from the third paragraph
	for name, text := range edits(excerpt) {
		t.Run(name, func(t *testing.T) {
			got := x.Documents(text, nil)
			if len(got) != 1 || got[0].Set != "2027年报价策略" {
				t.Fatalf("got %+v", got)
			}
			m := got[0]
			if m.Paragraph != 3 || m.Shared < 50 || m.Shared > 80 || m.Column != "报价" {
				t.Errorf("match %+v", m)
			}
			if want := EvidenceOf("2027年报价策略", 3, m.Shared); m.Masked != want || strings.Contains(m.Masked, excerpt[:6]) {
				t.Errorf("evidence %q, want %q", m.Masked, want)
			}
			if sub := []rune(text)[m.Start:m.End]; len(sub) < 40 {
				t.Errorf("span %d-%d covers %q", m.Start, m.End, string(sub))
			}
		})
	}
	t.Run("same topic, unrelated", func(t *testing.T) {
		rr := rand.New(rand.NewPCG(7, 7))
		for range 200 {
			text := genParagraph(rr, 300)
			if got := x.Documents(text, nil); len(got) != 0 {
				t.Fatalf("unrelated %q: %+v", text, got)
			}
		}
	})
	t.Run("too short a copy", func(t *testing.T) {
		if got := x.Documents(string(para[10:50]), nil); len(got) != 0 {
			t.Errorf("40 characters matched: %+v", got)
		}
	})
}

func TestDocumentsShortDocument(t *testing.T) {
	key := testKey(t)
	short := []string{"新品定价：旗舰款底价四千二百元，经销商返点百分之十二，不得对外透露。"}
	x := docIndex(t, key, map[string][]string{"新品底价": short})
	chars := FingerprintDocument(key, short).Chars
	if x.MinSpan() >= DefaultMinChars || x.MinSpan() < Guarantee {
		t.Fatalf("MinSpan %d for a %d-character document", x.MinSpan(), chars)
	}
	if got := x.Documents("转发一下："+short[0], nil); len(got) != 1 || got[0].Shared*10 < chars*3 {
		t.Errorf("whole short document: %+v", got)
	}
	if got := x.Documents("今天下午三点在三楼开会，请大家准时参加，带上电脑。", nil); len(got) != 0 {
		t.Errorf("unrelated: %+v", got)
	}
}

// TestDocumentsUnderMinSpanNotHashed checks that a short message returns
// before any fingerprint is computed.
func TestDocumentsUnderMinSpanNotHashed(t *testing.T) {
	key := testKey(t)
	x := docIndex(t, key, map[string][]string{"d": genDocument(rand.New(rand.NewPCG(1, 1)), 3, 100)})
	msg := strings.Repeat("好", x.MinSpan()-1) + strings.Repeat("！", 30)
	// The scratch a call leaves behind holds the fingerprints it computed.
	sc := &docScratch{}
	x.pool.Put(sc)
	for sc.fps == nil {
		x.Documents(msg+"，"+strings.Repeat("好", x.MinSpan()), nil) // a long one: hashed
		sc = x.pool.Get().(*docScratch)
		x.pool.Put(sc)
	}
	sc.fps = sc.fps[:0]
	for range 10 {
		x.Documents(msg, nil)
	}
	if len(sc.fps) != 0 {
		t.Errorf("a message of %d characters was hashed (%d fingerprints)", x.MinSpan()-1, len(sc.fps))
	}
	if !raceEnabled {
		if allocs := testing.AllocsPerRun(100, func() { x.Documents(msg, nil) }); allocs > 0 {
			t.Errorf("a short message costs %.0f allocations", allocs)
		}
	}
}

func TestExtract(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("word/document.xml")
	w.Write([]byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:p><w:r><w:t>第一段</w:t></w:r><w:r><w:t xml:space="preserve">：报价</w:t></w:r></w:p>
<w:p></w:p>
<w:p><w:r><w:t>第二段</w:t><w:tab/><w:t>底价</w:t></w:r></w:p>
</w:body></w:document>`))
	zw.Close()
	got, err := Extract("策略.DOCX", buf.Bytes())
	if err != nil || len(got) != 2 || got[0] != "第一段：报价" || got[1] != "第二段 底价" {
		t.Errorf("docx: %q, %v", got, err)
	}
	got, err = Extract("a.md", []byte("\ufeff# 标题\n\n正文一\n正文二\n"))
	if err != nil || len(got) != 3 {
		t.Errorf("md: %q, %v", got, err)
	}
	for _, name := range []string{"a.pdf", "a.xlsx"} {
		if _, err := Extract(name, []byte("x")); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if _, err := Extract("a.docx", []byte("not a zip")); err == nil {
		t.Error("bad docx accepted")
	}
}

func TestPrintsRoundTrip(t *testing.T) {
	key := testKey(t)
	p := FingerprintDocument(key, genDocument(rand.New(rand.NewPCG(5, 5)), 4, 200))
	got, err := DecodePrints(p.Encode())
	if err != nil || got.Chars != p.Chars || len(got.Prints) != len(p.Prints) || got.Prints[3] != p.Prints[3] || len(got.Paragraphs) != 4 {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := DecodePrints(p.Encode()[:20]); err == nil {
		t.Error("truncated fingerprints decoded")
	}
	// Density: about 2/(W+1) of the k-grams.
	if n, want := len(p.Prints), 2*(p.Chars-K+1)/(W+1); n < want/2 || n > want*2 {
		t.Errorf("%d fingerprints for %d characters, want about %d", n, p.Chars, want)
	}
}

var _ rules.DataMatcher = (*Index)(nil)

// TestShortDocumentSmallEdits: a protected document of one or two
// sentences (under DenseChars, stored in format 5) still matches after a
// small edit anywhere in it — a character changed, left out or added, the
// punctuation and spacing changed — under 20 secrets, in a short message
// and inside a long one (300 characters of other text: over
// maxDenseProbe, looked up through the probe tags of format 5); unrelated
// text of the same topic, short and long, does not match it.
func TestShortDocumentSmallEdits(t *testing.T) {
	r := rand.New(rand.NewPCG(81, 82))
	docs := map[string]string{
		"账期口径": "大客户账期统一按六十天执行，逾期加收千分之五滞纳金。", // 24 letters
		"新品底价": "新品定价：旗舰款底价四千二百元，经销商返点百分之十二，不得对外透露。",
		"投标口径": "重点项目投标一律按华东大区口径报价，最低折扣七五折，须经副总裁书面审批后方可签约。",
		"续签底线": "华南区年度框架协议续签底线：单价不低于三百八十元每套，账期最长九十天，违约金按合同总额百分之五计收，严禁对外泄露。",
	}
	for k := range 20 {
		key := randomKey(t, r)
		paras := map[string][]string{}
		for name, text := range docs {
			paras[name] = []string{text}
		}
		x := docIndex(t, key, paras)
		for _, d := range x.docs {
			if !d.tagged {
				t.Fatalf("%s (%d characters) not stored in format 5", d.Name, d.Chars)
			}
		}
		for name, text := range docs {
			rs := []rune(text)
			for i, c := range rs {
				if len(foldLetters(string(c))) != 1 {
					continue // punctuation: folded away anyway
				}
				edited := map[string]string{
					"changed":  string(rs[:i]) + "甲" + string(rs[i+1:]),
					"left out": string(rs[:i]) + string(rs[i+1:]),
					"added":    string(rs[:i]) + "乙" + string(rs[i:]),
				}
				for how, e := range edited {
					e = strings.ReplaceAll(e, "，", " 。 ")
					msgs := []string{e, "转发一下：" + e + " 先别外传", genParagraph(r, 150) + e + genParagraph(r, 150)}
					for _, msg := range msgs {
						got := x.Documents(msg, nil)
						if len(got) != 1 || got[0].Set != name {
							t.Fatalf("key %d, %s, character %d %s: %q: %+v", k, name, i, how, msg, got)
						}
					}
				}
			}
		}
		for i := range 200 {
			text := genParagraph(r, 20+r.IntN(100))
			if i%2 == 1 {
				text = genParagraph(r, 300)
			}
			if got := x.Documents(text, nil); len(got) != 0 {
				t.Fatalf("key %d, unrelated %q: %+v", k, text, got)
			}
		}
	}
}

// TestShortCopyPastAnotherWindow: a long message holding a copy of a
// short document A and, after 6 letters of other text, a copy of a short
// document B with a character left out near its end is reported with
// both. The k-grams looked up around A's first tagged k-gram (DenseChars
// each side) reach into B's copy up to three k-grams short of its end,
// and those three are B's k-grams after the left-out character; none of
// them is at a multiple of gramStride, so they are looked up only if the
// window is widened for B's own tagged k-grams before the character
// (which are inside A's window). Without them B's copy is read as the 19
// letters before the character, under its threshold of 23.
func TestShortCopyPastAnotherWindow(t *testing.T) {
	r := rand.New(rand.NewPCG(97, 98))
	letters := func(n int) string { return string(foldLetters(genParagraph(r, n+3))[:n]) }
	for k := range 10 {
		key := randomKey(t, r)
		a, b := letters(40), letters(30)
		x := docIndex(t, key, map[string][]string{"甲": {a}, "乙": {b}})
		bRunes := []rune(b)
		edited := string(bRunes[:19]) + string(bRunes[20:]) // the 20th left out: 3 k-grams after it
		// A's k-grams from h, a multiple of gramStride (the first one
		// tagged), to h+32; the window around h to h+64; B's k-grams
		// before the left-out character at h+46 to h+57 (inside it), after
		// it at h+65 to h+67, none a multiple of gramStride.
		h := 100 + (gramStride-100%gramStride)%gramStride
		head, gap := letters(h), letters(6)
		msg := head + a + gap + edited + letters(100)
		if got := foldLetters(msg); string(got[h:h+40]) != a || string(got[h+46:h+75]) != edited || (h+64)%gramStride != 0 {
			t.Fatal("the message's letters are not where the test puts them")
		}
		names := map[string]bool{}
		for _, m := range x.Documents(msg, nil) {
			names[m.Set] = true
		}
		if !names["甲"] || !names["乙"] {
			t.Errorf("key %d: found %v in a message with both", k, names)
		}
		// B alone at the same place is found: only A's window hides it.
		if got := x.Documents(head+letters(40)+gap+edited+letters(100), nil); len(got) != 1 || got[0].Set != "乙" {
			t.Errorf("key %d: B alone: %+v", k, got)
		}
	}
}
