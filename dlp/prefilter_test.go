package dlp

import (
	"math/rand/v2"
	"testing"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// TestPrefilter checks the keyed prefilter in front of the HMAC: every
// customer's value passes it, most values that are no customer's are
// turned away by it (a filter that lets everything through fails here),
// and the tag depends on the key and the kind.
func TestPrefilter(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	key := testKey(t)
	csv, rows := genCSV(r, 2000)
	imp := importTest(t, key, csv, "手机=phone,证件号=id_card")
	x := NewIndex(key, Options{}, []LoadedSet{setOf(imp, "客户")}, nil)
	var buf []byte
	for _, row := range rows {
		buf, _ = Normalize(KindPhone, row[0], buf[:0])
		if !x.mayHold(KindPhone, buf) {
			t.Fatalf("a customer's phone number is turned away by the prefilter")
		}
	}
	const tries = 20000
	passed := 0
	for range tries {
		buf, _ = Normalize(KindPhone, genPhone(r), buf[:0])
		if x.mayHold(KindPhone, buf) {
			passed++
		}
	}
	// 2,000 phone numbers (the ID cards have a filter of their own) in 32
	// blocks of 512 bits (8 bits a value), five bits each: about 2 %
	// pass; allow twice.
	if passed > tries*4/100 {
		t.Errorf("%d of %d random numbers pass the prefilter, want about 2 %%", passed, tries)
	}
	t.Logf("%d of %d random numbers pass the prefilter", passed, tries)
	if passed == 0 {
		t.Errorf("no random number passes the prefilter: is it the tags' bit array that is read?")
	}
	k2, _ := NewKey([]byte("another secret of enough length!"))
	v := []byte("13800138000")
	same := 0
	for i := range 64 {
		v[10] = byte('0' + i%10)
		v[9] = byte('0' + i/10)
		if key.recordTag(KindPhone, v) == k2.recordTag(KindPhone, v) {
			same++
		}
	}
	if same > 0 {
		t.Errorf("two keys give the same tag for %d of 64 values", same)
	}
	if key.recordTag(KindPhone, v) == key.recordTag(KindToken, v) {
		t.Error("kinds are not separated in the tag")
	}
}

// TestUntaggedSetsStillMatch: a set stored before the prefilter (format
// 0, no tags) is still matched, through the HMAC alone, beside a tagged
// set of the same kind.
func TestUntaggedSetsStillMatch(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	key := testKey(t)
	csv, rows := genCSV(r, 50)
	imp := importTest(t, key, csv, "手机=phone")
	old := setOf(imp, "旧客户")
	old.Set.Format = EntryFormatUntagged
	enc := make([]byte, 0, len(old.Entries)*entrySizeUntagged)
	for _, e := range old.Entries {
		enc = append(enc, byte(e.Hash>>56), byte(e.Hash>>48), byte(e.Hash>>40), byte(e.Hash>>32),
			byte(e.Hash>>24), byte(e.Hash>>16), byte(e.Hash>>8), byte(e.Hash), e.Column)
	}
	decoded, err := DecodeEntries(nil, enc, EntryFormatUntagged)
	if err != nil || len(decoded) != len(old.Entries) || decoded[0].Tag != 0 {
		t.Fatalf("decode format 0: %v, %d entries", err, len(decoded))
	}
	old.Entries = decoded
	csv2, rows2 := genCSV(r, 50)
	fresh := setOf(importTest(t, key, csv2, "手机=phone"), "新客户")
	round, err := DecodeEntries(nil, EncodeEntries(nil, fresh.Entries), EntryFormatTagged)
	if err != nil || len(round) != len(fresh.Entries) || round[0] != fresh.Entries[0] {
		t.Fatalf("encode/decode round trip: %v", err)
	}
	if _, err := DecodeEntries(nil, enc, 7); err == nil {
		t.Error("an unknown format was decoded")
	}
	x := NewIndex(key, Options{}, []LoadedSet{old, fresh}, nil)
	for i := range rows {
		if m, ok := x.Record(moderation.KindPhone, rows[i][0]); !ok || m.Set != "旧客户" {
			t.Fatalf("old set's number: %+v %v", m, ok)
		}
		if m, ok := x.Record(moderation.KindPhone, rows2[i][0]); !ok || m.Set != "新客户" {
			t.Fatalf("new set's number: %+v %v", m, ok)
		}
	}
	if _, ok := x.Record(moderation.KindPhone, genPhone(r)); ok {
		t.Error("a random number matched")
	}
}

// TestPrefilterFalsePositiveRate measures the share of tags that are no
// value's which the blocked filter lets through, beside the word-blocked
// filter it replaced (two bits of one 64-bit word a tag, at the same size
// in bits), at the sizes of small and large sets. Tags are a keyed PRF's
// output, so random 32-bit words stand for them.
func TestPrefilterFalsePositiveRate(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{1000, 100_000, 1_000_000} {
		f := newTagFilter(n)
		words := make([]uint64, min(max(tableSize(n)/16, 1), 1<<20)) // the replaced layout
		wordOf := func(tag uint32) (int, uint64) {
			return int(tag & uint32(len(words)-1)), 1<<(tag>>20&63) | 1<<(tag>>26&63)
		}
		tags := make([]uint32, n)
		for i := range tags {
			tags[i] = r.Uint32()
			f.add(tags[i])
			w, b := wordOf(tags[i])
			words[w] |= b
		}
		for _, tag := range tags {
			if !f.has(tag) {
				t.Fatalf("n=%d: a tag added is not in the filter", n)
			}
		}
		const tries = 1_000_000
		passed, passedWords := 0, 0
		for range tries {
			tag := r.Uint32()
			if f.has(tag) {
				passed++
			}
			if w, b := wordOf(tag); words[w]&b == b {
				passedWords++
			}
		}
		rate, old := float64(passed)/tries, float64(passedWords)/tries
		t.Logf("n=%d, %d KiB: %.2f %% pass (word-blocked at the same size: %.2f %%)", n, len(f.words)*8/1024, 100*rate, 100*old)
		if rate > old || rate > 0.03 {
			t.Errorf("n=%d: %.2f %% pass, the word-blocked filter %.2f %%: want fewer, under 3 %%", n, 100*rate, 100*old)
		}
		if len(f.words)*64 != len(words)*64 {
			t.Errorf("n=%d: %d bits, the word-blocked filter %d", n, len(f.words)*64, len(words)*64)
		}
	}
}
