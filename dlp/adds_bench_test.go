package dlp

import (
	"crypto/sha256"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/rules"
)

// BenchmarkRecordAdds measures what the 1,000,000-customer index adds to
// a message, as one figure: the engine without and with the index on the
// same messages, in the same binary, alternated in blocks of addsBlock
// messages (so a burst of other processes' load falls on both alike).
// It reports engine-ns/op, records-ns/op (engine and index) and
// added-ns/op, their difference; ns/op is the time of both together.
func BenchmarkRecordAdds(b *testing.B) {
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
		clean = append(clean, "明天上午在三楼会议室讨论第"+string(rune('1'+i%4))+"季度的项目进度，请准时参加")
	}
	work := rules.Context{ChatKind: rules.ChatWork}
	withData := rules.Context{ChatKind: rules.ChatWork, Data: x}
	// The index must find the customers and only them, or the figure
	// measures nothing.
	if !hasRecordHit(e.Evaluate(customer[0], withData)) || hasRecordHit(e.Evaluate(random[0], withData)) || hasRecordHit(e.Evaluate(customer[0], work)) {
		b.Fatal("the index does not tell a customer's number from a random one")
	}
	for _, tc := range []struct {
		name     string
		messages []string
	}{{"customer-phone", customer}, {"random-phone", random}, {"no-detector-hit", clean}} {
		msgs := tc.messages
		b.Run(tc.name, func(b *testing.B) {
			var without, with time.Duration
			done := 0
			for done < b.N {
				n := min(addsBlock, b.N-done)
				t0 := time.Now()
				for i := range n {
					e.Evaluate(msgs[(done+i)%len(msgs)], work)
				}
				t1 := time.Now()
				for i := range n {
					e.Evaluate(msgs[(done+i)%len(msgs)], withData)
				}
				t2 := time.Now()
				without += t1.Sub(t0)
				with += t2.Sub(t1)
				done += n
			}
			b.ReportMetric(float64(without.Nanoseconds())/float64(b.N), "engine-ns/op")
			b.ReportMetric(float64(with.Nanoseconds())/float64(b.N), "records-ns/op")
			b.ReportMetric(float64((with-without).Nanoseconds())/float64(b.N), "added-ns/op")
		})
	}
}

// addsBlock is how many messages BenchmarkRecordAdds checks one way before
// checking them the other: long enough that reading the clock is noise,
// short enough to alternate many times a run.
const addsBlock = 1000

// hasRecordHit reports whether a result names a customer record.
func hasRecordHit(v rules.Verdict) bool {
	for _, h := range v.Hits {
		if h.Data != nil {
			return true
		}
	}
	return false
}

// BenchmarkHMACFloor compares the records HMAC (Key.recordHash: a pooled
// crypto/hmac restoring its marshalled ipad and opad states) with two
// SHA-256 compressions of one block each (sha256.Sum256 of the 17 bytes
// and of its 32-byte result), the least any HMAC-SHA256 of a short value
// costs: the difference is what a hand-written HMAC could save at most.
func BenchmarkHMACFloor(b *testing.B) {
	key := testKey(b)
	v := []byte("13912345678")
	in := []byte("phone:13912345678")
	b.Run("recordHash", func(b *testing.B) {
		for range b.N {
			key.recordHash(KindPhone, v)
		}
	})
	b.Run("two-Sum256", func(b *testing.B) {
		var s [32]byte
		for range b.N {
			s = sha256.Sum256(in)
			s = sha256.Sum256(s[:])
		}
		sinkByte = s[0]
	})
}

var sinkByte byte
