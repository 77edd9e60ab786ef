package dlp

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
)

// fingerprintDocumentAES fingerprints a document as wecom-guard did before
// format 2: the same letters, winnowed under the unkeyed selection, each
// fingerprint's AES.
// TestPrintsFormat1 checks it against bytes the old code stored.
func fingerprintDocumentAES(key *Key, paragraphs []string) Prints {
	nt, p := foldParagraphs(paragraphs)
	p.Format = PrintsFormatAES
	p.Prints, _ = winnow(unkeyed, nt.runes, nil, nil)
	var buf [16]byte
	for i := range p.Prints {
		p.Prints[i].Hash = key.fingerprintAES(p.Prints[i].Hash, &buf)
	}
	return p
}

// fingerprintDocumentWinnowed fingerprints a document as format 2 does,
// whatever its length: documents under DenseChars uploaded before format 3
// are stored so, and still read.
func fingerprintDocumentWinnowed(key *Key, paragraphs []string) Prints {
	nt, p := foldParagraphs(paragraphs)
	p.Format = PrintsFormatSipHash
	p.Prints, _ = winnow(key.sel, nt.runes, nil, nil)
	for i := range p.Prints {
		p.Prints[i].Hash = key.fingerprint(p.Prints[i].Hash)
	}
	return p
}

// golden1Doc is the document testdata/prints-format1.hex holds the
// fingerprints of, as the code before format 2 stored them (written by
// that code: FingerprintDocument(testKey, golden1Doc()).Encode()).
func golden1Doc() []string { return genDocument(rand.New(rand.NewPCG(15, 1)), 3, 120) }

// TestPrintsFormat1: documents stored before format 2 still decode, as
// format 1, and messages copying them still match, alone and beside
// documents of format 2.
func TestPrintsFormat1(t *testing.T) {
	key := testKey(t)
	h, err := os.ReadFile("testdata/prints-format1.hex")
	if err != nil {
		t.Fatal(err)
	}
	stored, err := hex.DecodeString(strings.TrimSpace(string(h)))
	if err != nil {
		t.Fatal(err)
	}
	doc := golden1Doc()
	if got := fingerprintDocumentAES(key, doc).Encode(); !bytes.Equal(got, stored) {
		t.Fatal("fingerprintDocumentAES does not give the bytes stored in format 1")
	}
	p, err := DecodePrints(stored)
	if err != nil {
		t.Fatal(err)
	}
	if p.Format != PrintsFormatAES || len(p.Prints) == 0 || len(p.Paragraphs) != 3 {
		t.Fatalf("decoded format %d, %d fingerprints, %d paragraphs", p.Format, len(p.Prints), len(p.Paragraphs))
	}
	// Format 2 keeps other k-grams (its selection is keyed), about as many.
	now := FingerprintDocument(key, doc)
	if now.Format != PrintsFormatSipHash || len(now.Prints) < len(p.Prints)/2 || len(now.Prints) > 2*len(p.Prints) {
		t.Fatalf("format 2: format %d, %d fingerprints (format 1: %d)", now.Format, len(now.Prints), len(p.Prints))
	}
	if slices.Equal(positions(now), positions(p)) {
		t.Fatal("format 2 keeps the k-grams format 1 kept: its selection is not keyed")
	}
	r := rand.New(rand.NewPCG(16, 2))
	other := genDocument(r, 4, 150)
	old := LoadedDoc{Doc: Document{ID: "old", Name: "旧报价", Chars: p.Chars}, Prints: p}
	cur := LoadedDoc{Doc: Document{ID: "new", Name: "新报价"}, Prints: FingerprintDocument(key, other)}
	cur.Doc.Chars = cur.Prints.Chars
	for _, tc := range []struct {
		name string
		docs []LoadedDoc
	}{{"format 1 alone", []LoadedDoc{old}}, {"beside format 2", []LoadedDoc{old, cur}}} {
		t.Run(tc.name, func(t *testing.T) {
			x := NewIndex(key, Options{}, nil, tc.docs)
			if x.LegacyDocs() != 1 {
				t.Errorf("LegacyDocs %d", x.LegacyDocs())
			}
			excerpt := string([]rune(doc[1])[5:80])
			for name, text := range edits(excerpt) {
				if got := x.Documents(text, nil); len(got) != 1 || got[0].Set != "旧报价" || got[0].Paragraph != 2 {
					t.Errorf("%s: %+v", name, got)
				}
			}
			if len(tc.docs) == 2 {
				if got := x.Documents("转发："+string([]rune(other[2])[:90]), nil); len(got) != 1 || got[0].Set != "新报价" {
					t.Errorf("format 2 document: %+v", got)
				}
			}
			for range 50 {
				if got := x.Documents(genParagraph(r, 300), nil); len(got) != 0 {
					t.Fatalf("unrelated: %+v", got)
				}
			}
		})
	}
}

// TestPrintsFormat2RoundTrip: format 2 is stored with its format word and
// read back as format 2; an unknown format is refused.
func TestPrintsFormat2RoundTrip(t *testing.T) {
	p := FingerprintDocument(testKey(t), golden1Doc())
	b := p.Encode()
	got, err := DecodePrints(b)
	if err != nil || got.Format != PrintsFormatSipHash || got.Chars != p.Chars || len(got.Prints) != len(p.Prints) || got.Prints[1] != p.Prints[1] {
		t.Fatalf("round trip: format %d, %v", got.Format, err)
	}
	b[0] = 6 // format 6
	if _, err := DecodePrints(b); err == nil {
		t.Error("format 6 decoded")
	}
}

// fingerprintDocumentDense fingerprints a short document as format 3
// did, before the probe tags: every k-gram's fingerprint, no tags.
func fingerprintDocumentDense(key *Key, paragraphs []string) Prints {
	p := FingerprintDocument(key, paragraphs)
	if p.Format != PrintsFormatTagged {
		panic("not a short document")
	}
	p.Format, p.Tags = PrintsFormatDense, nil
	return p
}

// TestPrintsFormat5: a document under DenseChars is stored with the
// fingerprint of every k-gram and the probe tag of each (format 5, after
// its format word) and read back so; one of DenseChars is winnowed
// (format 2). Short documents stored in format 2 (before format 3) and in
// format 3 (before the tags) are still read and a paste of them still
// matches, beside one of format 5.
func TestPrintsFormat5(t *testing.T) {
	key := testKey(t)
	r := rand.New(rand.NewPCG(71, 72))
	short := []string{genParagraph(r, 40)}
	p := FingerprintDocument(key, short)
	if p.Format != PrintsFormatTagged || len(p.Prints) != p.Chars-K+1 || len(p.Tags) == 0 || len(p.Tags) > len(p.Prints) {
		t.Fatalf("%d characters: format %d, %d fingerprints, %d tags", p.Chars, p.Format, len(p.Prints), len(p.Tags))
	}
	keys := kgrams(key.sel, foldLetters(short[0]), nil)
	for i, f := range p.Prints {
		if f.Pos != uint32(i) {
			t.Fatalf("fingerprint %d at %d", i, f.Pos)
		}
		if _, found := slices.BinarySearch(p.Tags, key.gram.tag(keys[i])); !found {
			t.Fatalf("no tag of k-gram %d", i)
		}
	}
	b := p.Encode()
	if binary.LittleEndian.Uint32(b) != formatWord|PrintsFormatTagged {
		t.Fatalf("format word %x", binary.LittleEndian.Uint32(b))
	}
	got, err := DecodePrints(b)
	if err != nil || got.Format != PrintsFormatTagged || got.Chars != p.Chars || !slices.Equal(got.Prints, p.Prints) || !slices.Equal(got.Tags, p.Tags) {
		t.Fatalf("round trip: format %d, %v", got.Format, err)
	}
	if _, err := DecodePrints(b[:len(b)-4]); err == nil {
		t.Fatal("format 5 with a tag cut off decoded")
	}
	var long []string
	for range 4 {
		long = append(long, genParagraph(r, 16))
	}
	if q := FingerprintDocument(key, long); q.Chars < DenseChars || q.Format != PrintsFormatSipHash || q.Tags != nil {
		t.Fatalf("%d characters: format %d", q.Chars, q.Format)
	}
	oldText, denseText := genParagraph(r, 40), genParagraph(r, 40)
	old := fingerprintDocumentWinnowed(key, []string{oldText})
	old2, err := DecodePrints(old.Encode())
	if err != nil || old2.Format != PrintsFormatSipHash {
		t.Fatalf("format 2: %d, %v", old2.Format, err)
	}
	dense := fingerprintDocumentDense(key, []string{denseText})
	dense3, err := DecodePrints(dense.Encode())
	if err != nil || dense3.Format != PrintsFormatDense || dense3.Tags != nil || len(dense3.Prints) != dense.Chars-K+1 {
		t.Fatalf("format 3: %d, %v", dense3.Format, err)
	}
	x := NewIndex(key, Options{}, nil, []LoadedDoc{
		{Doc: Document{ID: "a", Name: "新短文件", Chars: p.Chars}, Prints: got},
		{Doc: Document{ID: "b", Name: "旧短文件", Chars: old2.Chars}, Prints: old2},
		{Doc: Document{ID: "c", Name: "三版短文件", Chars: dense3.Chars}, Prints: dense3},
	})
	// Format 5 without its tags (as stored bytes could be cut by hand): no
	// filter, no panic, looked up at the message's fingerprints.
	bare := got
	bare.Tags = nil
	y := NewIndex(key, Options{}, nil, []LoadedDoc{{Doc: Document{ID: "a", Name: "新短文件", Chars: p.Chars}, Prints: bare}})
	if m := y.Documents(genParagraph(r, 150)+short[0]+genParagraph(r, 150), nil); len(m) != 1 {
		t.Errorf("format 5 without tags, pasted in a long message: %+v", m)
	}
	if x.UntaggedDenseDocs() != 1 {
		t.Errorf("%d documents of format 3, want 1", x.UntaggedDenseDocs())
	}
	for name, text := range map[string]string{"新短文件": short[0], "旧短文件": oldText, "三版短文件": denseText} {
		for _, msg := range []string{"转发：" + text, genParagraph(r, 150) + text + genParagraph(r, 150)} {
			m := x.Documents(msg, nil)
			if len(m) != 1 || m[0].Set != name || m[0].Shared != x.docs[slices.IndexFunc(x.docs, func(d docInfo) bool { return d.Name == name })].Chars {
				t.Errorf("%s pasted in %d characters: %+v", name, len([]rune(msg)), m)
			}
		}
	}
}

// positions returns where p's fingerprints are.
func positions(p Prints) []uint32 {
	out := make([]uint32, len(p.Prints))
	for i, f := range p.Prints {
		out[i] = f.Pos
	}
	return out
}

// TestFormatsDoNotCrossMatch: a stored value of one format equal to a
// message's value of the other (a chance 64-bit collision, forced here: a
// format-1 document made of the message's format-2 values) is no match and
// no panic — each pass looks only at the documents of its own format.
func TestFormatsDoNotCrossMatch(t *testing.T) {
	key := testKey(t)
	r := rand.New(rand.NewPCG(41, 42))
	vocab := []string{"季度", "报价", "策略", "客户", "渠道", "毛利", "折扣", "区域", "目标", "预算", "方案", "审批"}
	var b strings.Builder
	for b.Len() < 900 {
		b.WriteString(vocab[r.IntN(len(vocab))])
		if r.IntN(6) == 0 {
			b.WriteString("，")
		}
	}
	text := b.String()
	fps, _ := winnow(key.sel, letterTable().fold(text, nil), nil, nil)
	crafted := Prints{Format: PrintsFormatAES, Chars: len([]rune(text))}
	for _, f := range fps {
		crafted.Prints = append(crafted.Prints, Fingerprint{Hash: key.fingerprint(f.Hash), Pos: f.Pos})
	}
	other := FingerprintDocument(key, []string{"与本消息无关的另一份文件，内容完全不同，用来让两种格式同时生效。"})
	x := NewIndex(key, Options{}, nil, []LoadedDoc{
		{Doc: Document{ID: "old", Name: "旧格式文件", Chars: crafted.Chars}, Prints: crafted},
		{Doc: Document{ID: "new", Name: "新格式文件", Chars: other.Chars}, Prints: other},
	})
	for _, m := range x.Documents(text, nil) {
		t.Errorf("matched %+v: a format-1 document through format-2 values", m)
	}
}

// TestUntaggedBesideTagged: a document of format 5 whose tags are missing
// (stored bytes cut by hand), protected beside one that has them, is
// still matched, short and inside a long message, as a document of
// format 3 is: the filter of the probe tags, built from the other's,
// never lets its k-grams through.
func TestUntaggedBesideTagged(t *testing.T) {
	key := testKey(t)
	r := rand.New(rand.NewPCG(91, 92))
	tagged, bare := genParagraph(r, 40), genParagraph(r, 40)
	p, q := FingerprintDocument(key, []string{tagged}), FingerprintDocument(key, []string{bare})
	if p.Format != PrintsFormatTagged || len(p.Tags) == 0 {
		t.Fatalf("format %d, %d tags", p.Format, len(p.Tags))
	}
	q.Tags = nil
	x := NewIndex(key, Options{}, nil, []LoadedDoc{
		{Doc: Document{ID: "a", Name: "有标签", Chars: p.Chars}, Prints: p},
		{Doc: Document{ID: "b", Name: "无标签", Chars: q.Chars}, Prints: q},
	})
	if x.UntaggedDenseDocs() != 1 {
		t.Errorf("%d short documents without tags, want 1", x.UntaggedDenseDocs())
	}
	for name, text := range map[string]string{"有标签": tagged, "无标签": bare} {
		for _, msg := range []string{"转发：" + text, genParagraph(r, 150) + text + genParagraph(r, 150)} {
			if m := x.Documents(msg, nil); len(m) != 1 || m[0].Set != name {
				t.Errorf("%s pasted in %d characters: %+v", name, len([]rune(msg)), m)
			}
		}
	}
}

// TestMixTagsUnused: a short document stored in format 4, whose probe tags
// were the selection's mix under one more xor and multiplication
// (PrintsFormatMixTags), is read, its tags are not used (no filter is
// built of them, it is counted among the short documents without tags),
// and a paste of it still matches, short and long, alone and beside one
// of format 5.
func TestMixTagsUnused(t *testing.T) {
	key := testKey(t)
	r := rand.New(rand.NewPCG(93, 94))
	text, other := genParagraph(r, 40), genParagraph(r, 40)
	p := FingerprintDocument(key, []string{text})
	keys := kgrams(key.sel, foldLetters(text), nil)
	gx, gm := r.Uint64(), r.Uint64()|1
	p.Format, p.Tags = PrintsFormatMixTags, nil
	for _, k := range keys {
		p.Tags = append(p.Tags, uint32((k^gx)*gm>>32)) // format 4's tag
	}
	slices.Sort(p.Tags)
	p.Tags = slices.Compact(p.Tags)
	b := p.Encode()
	if binary.LittleEndian.Uint32(b) != formatWord|PrintsFormatMixTags {
		t.Fatalf("format word %x", binary.LittleEndian.Uint32(b))
	}
	got, err := DecodePrints(b)
	if err != nil || got.Format != PrintsFormatMixTags || !slices.Equal(got.Tags, p.Tags) || !slices.Equal(got.Prints, p.Prints) {
		t.Fatalf("format 4 read back: %d, %v", got.Format, err)
	}
	q := FingerprintDocument(key, []string{other})
	doc4 := LoadedDoc{Doc: Document{ID: "a", Name: "四版短文件", Chars: got.Chars}, Prints: got}
	doc5 := LoadedDoc{Doc: Document{ID: "b", Name: "五版短文件", Chars: q.Chars}, Prints: q}
	for _, docs := range [][]LoadedDoc{{doc4}, {doc4, doc5}} {
		x := NewIndex(key, Options{}, nil, docs)
		if x.UntaggedDenseDocs() != 1 || x.tagged != len(docs)-1 {
			t.Errorf("%d documents: %d without tags, %d tagged", len(docs), x.UntaggedDenseDocs(), x.tagged)
		}
		if len(docs) == 1 && x.gramBits != nil {
			t.Error("a filter was built of format 4's tags")
		}
		for _, msg := range []string{"转发：" + text, genParagraph(r, 150) + text + genParagraph(r, 150)} {
			if m := x.Documents(msg, nil); len(m) != 1 || m[0].Set != "四版短文件" || m[0].Shared != got.Chars {
				t.Errorf("%d documents, format 4 pasted in %d characters: %+v", len(docs), len([]rune(msg)), m)
			}
		}
	}
}

// TestGramCandidates: the filter's loop, which writes SipHash-1-3 out,
// lets through exactly the k-grams at multiples of gramStride whose
// gramKey.tag has its two bits set in the filter (gramWord), under keys
// and filters of several sizes.
func TestGramCandidates(t *testing.T) {
	r := rand.New(rand.NewPCG(95, 96))
	for range 50 {
		g := gramKey{k0: r.Uint64(), k1: r.Uint64()}
		x := &Index{gramBits: make([]uint64, 2<<r.IntN(8))}
		for range 4 * len(x.gramBits) {
			x.gramBits[r.IntN(len(x.gramBits))] |= 1 << r.IntN(64)
		}
		keys := make([]uint64, r.IntN(700))
		for i := range keys {
			keys[i] = r.Uint64()
		}
		cand := make([]uint32, len(keys))
		got := cand[:gramCandidates(keys, cand, x.gramBits, g)]
		var want []uint32
		for p := 0; p < len(keys); p += gramStride {
			if w, b := x.gramWord(g.tag(keys[p])); x.gramBits[w]&b == b {
				want = append(want, uint32(p))
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%d k-grams, %d words: %v, want %v", len(keys), len(x.gramBits), got, want)
		}
	}
}

// TestSealPrints: the SipHash written out in sealPrints gives what
// Key.fingerprint gives, for random values and the edge ones, under
// random keys, into a scratch longer than needed.
func TestSealPrints(t *testing.T) {
	r := rand.New(rand.NewPCG(97, 98))
	for range 50 {
		key := &Key{fpK0: r.Uint64(), fpK1: r.Uint64()}
		fps := make([]Fingerprint, r.IntN(200))
		for i := range fps {
			fps[i].Hash = r.Uint64()
		}
		if len(fps) > 2 {
			fps[0].Hash, fps[1].Hash = 0, ^uint64(0)
		}
		out := make([]uint64, len(fps)+r.IntN(3))
		sealPrints(key.fpK0, key.fpK1, fps, out)
		for i, f := range fps {
			if want := key.fingerprint(f.Hash); out[i] != want {
				t.Fatalf("value %d (%x): %x, want %x", i, f.Hash, out[i], want)
			}
		}
	}
}
