package dlp

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/importcjj/sensitive"

	"github.com/wecom-guard/wecom-guard/moderation"
	"github.com/wecom-guard/wecom-guard/rules"
)

// cpuPerOp reports the process's CPU time per operation (cpu-ns/op) when
// the returned function runs: on a shared, loaded machine the wall time
// of ns/op also counts the time other processes had the CPU.
func cpuPerOp(b *testing.B) func() {
	start := cpuTime()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// benchRecords is the size of the customer set of the benchmarks.
const benchRecords = 1_000_000

// benchIndex returns an index of n generated customers (phone and ID card
// columns) and the customers' phone numbers.
func benchIndex(b *testing.B, key *Key, n int, docs []LoadedDoc) (*Index, []string) {
	b.Helper()
	r := rand.New(rand.NewPCG(11, 12))
	phones := make([]string, n)
	entries := make([]Entry, 0, 2*n)
	var buf []byte
	for i := range n {
		phones[i] = genPhone(r)
		buf, _ = Normalize(KindPhone, phones[i], buf[:0])
		entries = append(entries, key.entry(KindPhone, buf, 0))
		buf, _ = Normalize(KindIDCard, genID(r), buf[:0])
		entries = append(entries, key.entry(KindIDCard, buf, 1))
	}
	set := LoadedSet{Set: RecordSet{Name: "客户", Columns: []Column{{Name: "手机", Kind: KindPhone}, {Name: "证件号", Kind: KindIDCard}}, Format: EntryFormatTagged}, Entries: entries}
	return NewIndex(key, Options{}, []LoadedSet{set}, docs), phones
}

func defaultWords(rs *rules.RuleSet) []string {
	var words []string
	for _, c := range rs.Categories {
		for _, l := range c.Lists {
			for _, w := range l.Words {
				words = append(words, w.Text)
			}
		}
	}
	return words
}

// BenchmarkRecordLookup measures what exact data matching adds to a
// message: the engine with and without a 1,000,000-customer index on
// messages with a phone number (a customer's and a random one) and on
// messages without a detector hit, with importcjj/sensitive (keywords
// only) on the same messages as the baseline.
func BenchmarkRecordLookup(b *testing.B) {
	key := testKey(b)
	x, phones := benchIndex(b, key, benchRecords, nil)
	rs, err := rules.Default()
	if err != nil {
		b.Fatal(err)
	}
	e, err := rules.Compile(rs)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	var customer, random, clean []string
	for i := range 1000 {
		customer = append(customer, "客户电话 "+phones[r.IntN(len(phones))]+" 请回电")
		random = append(random, "客户电话 "+genPhone(r)+" 请回电")
		clean = append(clean, fmt.Sprintf("明天上午%d点在三楼会议室讨论第%d季度的项目进度，请准时参加", i%12+1, i%4+1))
	}
	filter := sensitive.New()
	filter.AddWord(defaultWords(rs)...)
	work := rules.Context{ChatKind: rules.ChatWork}
	withData := rules.Context{ChatKind: rules.ChatWork, Data: x}
	for _, tc := range []struct {
		name     string
		messages []string
	}{{"customer-phone", customer}, {"random-phone", random}, {"no-detector-hit", clean}} {
		msgs := tc.messages
		b.Run(tc.name+"/baseline-importcjj", func(b *testing.B) {
			b.ReportAllocs()
			defer cpuPerOp(b)()
			for i := range b.N {
				filter.FindIn(msgs[i%len(msgs)])
			}
		})
		b.Run(tc.name+"/engine", func(b *testing.B) {
			b.ReportAllocs()
			defer cpuPerOp(b)()
			for i := range b.N {
				e.Evaluate(msgs[i%len(msgs)], work)
			}
		})
		b.Run(tc.name+"/engine-records-1M", func(b *testing.B) {
			b.ReportAllocs()
			defer cpuPerOp(b)()
			for i := range b.N {
				e.Evaluate(msgs[i%len(msgs)], withData)
			}
		})
	}
	// The HMAC alone, and the lookup (normalize, HMAC-SHA256, one probe).
	b.Run("HMAC-alone", func(b *testing.B) {
		b.ReportAllocs()
		v := []byte("13912345678")
		defer cpuPerOp(b)()
		for range b.N {
			key.recordHash(KindPhone, v)
		}
	})
	b.Run("SipHash-alone", func(b *testing.B) {
		b.ReportAllocs()
		v := []byte("13912345678")
		defer cpuPerOp(b)()
		for range b.N {
			key.recordTag(KindPhone, v)
		}
	})
	// The lookup of a finding's value (normalize, prefilter, and for a
	// value that passes it the HMAC and a probe): a random number (no
	// customer's) and a customer's, from the 1,000 messages above (whose
	// prefilter bits stay in the cache).
	for _, tc := range []struct {
		name     string
		messages []string
	}{{"Record-alone", random}, {"Record-alone-customer", customer}} {
		msgs := tc.messages
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			defer cpuPerOp(b)()
			for i := range b.N {
				x.Record(moderation.KindPhone, msgs[i%len(msgs)][len("客户电话 "):len("客户电话 ")+11])
			}
		})
	}
	// Random numbers from 200,000, read in order from one string (so the
	// numbers themselves stream through the cache as a message's text
	// would be in it): their prefilter bits are mostly not cached, as in
	// service, where the engine's tables share the cache.
	var cold strings.Builder
	for range 200_000 {
		cold.WriteString(genPhone(r))
	}
	numbers := cold.String()
	// The same without the prefilter (the set as stored before it, format
	// 0): every number pays the HMAC and a probe of the hash table.
	untagged := x.sets[0]
	untagged.Format = EntryFormatUntagged
	var entries []Entry
	for i, k := range x.recKeys {
		if k != 0 {
			entries = append(entries, Entry{Hash: k, Column: uint8(x.recRefs[i] & 0xff)})
		}
	}
	noFilter := NewIndex(key, Options{}, []LoadedSet{{Set: untagged, Entries: entries}}, nil)
	for _, tc := range []struct {
		name string
		x    *Index
	}{{"Record-alone-cold", x}, {"Record-alone-cold-without-prefilter", noFilter}} {
		x := tc.x
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			defer cpuPerOp(b)()
			for i := range b.N {
				j := i % 200_000 * 11
				x.Record(moderation.KindPhone, numbers[j:j+11])
			}
		})
	}
}

// benchVocabulary is a generated vocabulary of 5,000 words of one to three
// characters from the 3,500 most frequent-looking block of Han characters:
// text drawn from it varies like real prose, where the 41 business words
// of the unit tests' generator repeat every k-gram across documents.
func benchVocabulary(r *rand.Rand) []string {
	words := make([]string, 5000)
	for i := range words {
		rs := make([]rune, 1+r.IntN(3))
		for j := range rs {
			rs[j] = rune(0x4E00 + r.IntN(3500))
		}
		words[i] = string(rs)
	}
	return words
}

// benchParagraph is a paragraph of about chars characters from vocab.
func benchParagraph(r *rand.Rand, vocab []string, chars int) string {
	var b strings.Builder
	for n := 0; n < chars; {
		w := vocab[r.IntN(len(vocab))]
		b.WriteString(w)
		n += len([]rune(w))
		if r.IntN(8) == 0 {
			b.WriteString("，")
		}
	}
	b.WriteString("。")
	return b.String()
}

// benchDocs returns n generated documents of pages pages (1,000
// characters a page, one paragraph of 250 a quarter page, from
// benchVocabulary),
// fingerprinted; the text is dropped as it would be on upload.
func benchDocs(b *testing.B, key *Key, n, pages int) ([]LoadedDoc, [][]string) {
	return benchDocsAs(b, key, n, pages, FingerprintDocument)
}

// benchDocsAs is benchDocs with the documents fingerprinted by fp.
func benchDocsAs(b *testing.B, key *Key, n, pages int, fp func(*Key, []string) Prints) ([]LoadedDoc, [][]string) {
	b.Helper()
	r := rand.New(rand.NewPCG(21, 22))
	vocab := benchVocabulary(r)
	docs := make([]LoadedDoc, n)
	var kept [][]string // the first documents' text, to paste from
	for i := range n {
		paras := make([]string, pages*4)
		for j := range paras {
			paras[j] = benchParagraph(r, vocab, 250)
		}
		p := fp(key, paras)
		docs[i] = LoadedDoc{Doc: Document{ID: "d" + strconv.Itoa(i), Name: "文件" + strconv.Itoa(i), Chars: p.Chars}, Prints: p}
		if i < 10 {
			kept = append(kept, paras)
		}
	}
	return docs, kept
}

// BenchmarkDocuments measures checking 2 KB messages against the
// fingerprints of WG_BENCH_DLP_DOCS documents (default 1,000) of 20 pages:
// unrelated text of the same topic, and a message pasting a paragraph;
// the engine without documents and importcjj/sensitive on the same
// messages are the baselines.
func BenchmarkDocuments(b *testing.B) {
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("WG_BENCH_DLP_DOCS")); err == nil && v > 0 {
		n = v
	}
	key := testKey(b)
	docs, kept := benchDocs(b, key, n, 20)
	x := NewIndex(key, Options{}, nil, docs)
	prints := 0
	for _, d := range docs {
		prints += len(d.Prints.Prints)
	}
	b.Logf("%d documents, %d fingerprints", n, prints)
	rs, err := rules.Default()
	if err != nil {
		b.Fatal(err)
	}
	e, err := rules.Compile(rs)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(31, 32))
	vocab := benchVocabulary(rand.New(rand.NewPCG(21, 22))) // the documents' vocabulary: the same topic
	var unrelated, pasted []string
	for i := range 100 {
		var m strings.Builder
		for m.Len() < 2048 {
			m.WriteString(benchParagraph(r, vocab, 60))
		}
		unrelated = append(unrelated, m.String()[:2048-2048%3])
		p := kept[i%len(kept)][i%40]
		pasted = append(pasted, (m.String()[:1200-1200%3] + p)[:min(2046, 1200-1200%3+len(p))])
	}
	// What is measured finds what it should.
	for i := range 10 {
		if got := x.Documents(pasted[i], nil); len(got) != 1 || got[0].Shared < DefaultMinChars {
			b.Fatalf("pasted message %d: %+v", i, got)
		}
		if got := x.Documents(unrelated[i], nil); len(got) != 0 {
			b.Fatalf("unrelated message %d: %+v", i, got)
		}
	}
	filter := sensitive.New()
	filter.AddWord(defaultWords(rs)...)
	work := rules.Context{ChatKind: rules.ChatWork}
	withData := rules.Context{ChatKind: rules.ChatWork, Data: x}
	name := fmt.Sprintf("docs-%d", n)
	for _, tc := range []struct {
		name     string
		messages []string
	}{{"2KB-unrelated", unrelated}, {"2KB-pasted-paragraph", pasted}} {
		msgs := tc.messages
		b.Run(tc.name+"/baseline-importcjj", func(b *testing.B) {
			b.ReportAllocs()
			defer cpuPerOp(b)()
			for i := range b.N {
				filter.FindIn(msgs[i%len(msgs)])
			}
		})
		b.Run(tc.name+"/engine", func(b *testing.B) {
			b.ReportAllocs()
			defer cpuPerOp(b)()
			for i := range b.N {
				e.Evaluate(msgs[i%len(msgs)], work)
			}
		})
		b.Run(tc.name+"/engine-"+name, func(b *testing.B) {
			b.ReportAllocs()
			defer cpuPerOp(b)()
			for i := range b.N {
				e.Evaluate(msgs[i%len(msgs)], withData)
			}
		})
		b.Run(tc.name+"/Documents-alone-"+name, func(b *testing.B) {
			b.ReportAllocs()
			defer cpuPerOp(b)()
			for i := range b.N {
				x.Documents(msgs[i%len(msgs)], nil)
			}
		})
	}
}

// BenchmarkImport measures reading and hashing a CSV of 100,000 records
// with two columns (the CLI's import without Redis).
func BenchmarkImport(b *testing.B) {
	key := testKey(b)
	csv, _ := genCSV(rand.New(rand.NewPCG(1, 1)), 100_000)
	specs, _ := ParseColumns("手机=phone,证件号=id_card")
	b.SetBytes(int64(len(csv)))
	b.ReportAllocs()
	for range b.N {
		if _, err := Import(strings.NewReader(csv), specs, key, nil); err != nil {
			b.Fatal(err)
		}
	}
}
