package dlp

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// BenchmarkDocumentStages splits the check of a 2 KB message against
// WG_BENCH_DLP_DOCS documents (default 1,000) into its stages, to see
// where the time goes: the normalizer's fold (what documents are folded
// with), the message path's fold, winnowing, keying 80 fingerprints
// (about a 2 KB message's) with SipHash (format 2), also with their first
// slots loaded (Index.seal, what a message's are keyed with), and with AES
// (format 1), looking them up, and the whole check, also of messages
// repeating a short phrase and against the same documents stored in
// format 1.
func BenchmarkDocumentStages(b *testing.B) {
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("WG_BENCH_DLP_DOCS")); err == nil && v > 0 {
		n = v
	}
	key := testKey(b)
	docs, _ := benchDocs(b, key, n, 20)
	x := NewIndex(key, Options{}, nil, docs)
	r := rand.New(rand.NewPCG(31, 32))
	vocab := benchVocabulary(rand.New(rand.NewPCG(21, 22)))
	var msgs []string
	for range 100 {
		var m strings.Builder
		for m.Len() < 2048 {
			m.WriteString(benchParagraph(r, vocab, 60))
		}
		msgs = append(msgs, m.String()[:2048-2048%3])
	}
	norm := moderation.NewNormalizer()
	var nt normText
	b.Run("normalizer-fold", func(b *testing.B) {
		defer cpuPerOp(b)()
		for i := range b.N {
			nt.runes, nt.offs = nt.runes[:0], nt.offs[:0]
			nt.fold(norm, msgs[i%len(msgs)], 0)
		}
	})
	tab := letterTable()
	var letters []rune
	b.Run("fold", func(b *testing.B) {
		defer cpuPerOp(b)()
		for i := range b.N {
			letters = tab.fold(msgs[i%len(msgs)], letters)
		}
	})
	folded := make([][]rune, len(msgs))
	for i, m := range msgs {
		folded[i] = tab.fold(m, nil)
	}
	var fps []Fingerprint
	var keys []uint64
	b.Run("winnow", func(b *testing.B) {
		defer cpuPerOp(b)()
		for i := range b.N {
			fps, keys = winnow(key.sel, folded[i%len(folded)], keys, fps[:0])
		}
	})
	fps, _ = winnow(key.sel, folded[0], nil, nil)
	b.Logf("%d fingerprints in a message", len(fps))
	var sink uint64
	b.Run("siphash-80", func(b *testing.B) {
		defer cpuPerOp(b)()
		for i := range b.N {
			for j := range 80 {
				sink += key.fingerprint(uint64(i + j))
			}
		}
	})
	in80 := make([]Fingerprint, 80)
	out80, first80 := make([]uint64, 0, 80), make([]uint64, 0, 80)
	sc80 := &docScratch{}
	b.Run("seal-80", func(b *testing.B) {
		defer cpuPerOp(b)()
		for i := range b.N {
			for j := range in80 {
				in80[j].Hash = uint64(i + j)
			}
			sc80.sealed, sc80.first = out80[:0], first80[:0]
			x.seal(sc80, in80)
			sink += sc80.sealed[0]
		}
	})
	var buf [16]byte
	b.Run("aes-80", func(b *testing.B) {
		defer cpuPerOp(b)()
		for i := range b.N {
			for j := range 80 {
				sink += key.fingerprintAES(uint64(i+j), &buf)
			}
		}
	})
	// The lookups alone: each message's fingerprints keyed beforehand.
	sealed := make([][]uint64, len(folded))
	for i, f := range folded {
		fps, _ := winnow(key.sel, f, nil, nil)
		for _, fp := range fps {
			sealed[i] = append(sealed[i], key.fingerprint(fp.Hash))
		}
	}
	sc := &docScratch{}
	b.Run("probe", func(b *testing.B) {
		defer cpuPerOp(b)()
		for i := range b.N {
			sc.sealed, sc.hits = sealed[i%len(sealed)], sc.hits[:0]
			x.loadFirst(sc)
			x.probe(sc, passKeyed)
		}
	})
	b.Run("Documents", func(b *testing.B) {
		b.ReportAllocs()
		defer cpuPerOp(b)()
		for i := range b.N {
			x.Documents(msgs[i%len(msgs)], nil)
		}
	})
	// Messages repeating a short phrase over 2 KB (哈哈…, 好的，好的，…):
	// their minimum is selected once a period.
	repeated := []string{strings.Repeat("哈", 682), strings.Repeat("好的，", 227), strings.Repeat("收到谢谢", 170)}
	b.Run("Documents-repeated", func(b *testing.B) {
		b.ReportAllocs()
		defer cpuPerOp(b)()
		for i := range b.N {
			x.Documents(repeated[i%len(repeated)], nil)
		}
	})
	// The same documents as stored in format 1 (each fingerprint's AES).
	legacy, _ := benchDocsAs(b, key, n, 20, fingerprintDocumentAES)
	old := NewIndex(key, Options{}, nil, legacy)
	b.Run("Documents-format1", func(b *testing.B) {
		b.ReportAllocs()
		defer cpuPerOp(b)()
		for i := range b.N {
			old.Documents(msgs[i%len(msgs)], nil)
		}
	})
	if sink == 0 {
		b.Log(sink)
	}
}

// BenchmarkShortMessages measures the check of short messages (about 60
// and 120 normalized characters: under maxDenseProbe) and of 2 KB ones
// (680) against WG_BENCH_DLP_DOCS documents (default 1,000) of 20 pages,
// without and with 100 short documents (one or two sentences, format 5:
// every k-gram of a message looked up in their probe tags) beside them.
func BenchmarkShortMessages(b *testing.B) {
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("WG_BENCH_DLP_DOCS")); err == nil && v > 0 {
		n = v
	}
	key := testKey(b)
	docs, _ := benchDocs(b, key, n, 20)
	r := rand.New(rand.NewPCG(41, 42))
	vocab := benchVocabulary(rand.New(rand.NewPCG(21, 22)))
	withShort := slices.Clone(docs)
	for i := range 100 {
		p := FingerprintDocument(key, []string{benchParagraph(r, vocab, 24+r.IntN(DenseChars-30))})
		withShort = append(withShort, LoadedDoc{Doc: Document{ID: "s" + strconv.Itoa(i), Name: "短" + strconv.Itoa(i), Chars: p.Chars}, Prints: p})
	}
	for _, chars := range []int{60, 120, 680} { // 680: a 2 KB message
		var msgs []string
		for range 100 {
			msgs = append(msgs, benchParagraph(r, vocab, chars))
		}
		for _, tc := range []struct {
			name string
			docs []LoadedDoc
		}{{"long-documents", docs}, {"and-100-short", withShort}} {
			x := NewIndex(key, Options{}, nil, tc.docs)
			b.Run(fmt.Sprintf("%d-chars/%s", chars, tc.name), func(b *testing.B) {
				b.ReportAllocs()
				defer cpuPerOp(b)()
				for i := range b.N {
					x.Documents(msgs[i%len(msgs)], nil)
				}
			})
		}
	}
}
