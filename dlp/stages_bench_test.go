package dlp

import (
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// BenchmarkDocumentStages splits the check of a 2 KB message against
// WG_BENCH_DLP_DOCS documents (default 1,000) into its stages, to see
// where the time goes: the old two passes (folding, then winnowing with
// the fingerprints' AES), the single pass that replaced them, the AES of
// 80 fingerprints (about a 2 KB message's), and the whole check.
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
	b.Run("fold", func(b *testing.B) {
		defer cpuPerOp(b)()
		for i := range b.N {
			nt.runes, nt.offs = nt.runes[:0], nt.offs[:0]
			nt.fold(norm, msgs[i%len(msgs)], 0)
		}
	})
	folded := make([][]rune, len(msgs))
	for i, m := range msgs {
		var t normText
		t.fold(norm, m, 0)
		folded[i] = t.runes
	}
	var fps []Fingerprint
	b.Run("winnow", func(b *testing.B) {
		defer cpuPerOp(b)()
		for i := range b.N {
			fps = winnow(key, folded[i%len(folded)], fps[:0])
		}
	})
	b.Logf("%d fingerprints in a message", len(winnow(key, folded[0], nil)))
	tab := letterTable()
	b.Run("one-pass", func(b *testing.B) {
		defer cpuPerOp(b)()
		for i := range b.N {
			fps, _ = tab.prints(msgs[i%len(msgs)], fps[:0])
		}
	})
	var buf [16]byte
	b.Run("aes", func(b *testing.B) {
		defer cpuPerOp(b)()
		for i := range b.N {
			for j := range 80 {
				key.fingerprint(uint64(i+j), &buf)
			}
		}
	})
	b.Run("Documents", func(b *testing.B) {
		b.ReportAllocs()
		defer cpuPerOp(b)()
		for i := range b.N {
			x.Documents(msgs[i%len(msgs)], nil)
		}
	})
}
