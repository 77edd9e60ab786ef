package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/wecom-guard/wecom-guard/dlp"
)

// TestDLPNoRawValueInRedis imports generated customers and a document,
// then scans every key and value of the store: no phone number, ID card
// number or sentence of the document appears, in any spelling.
func TestDLPNoRawValueInRedis(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	key, err := dlp.NewKey([]byte("a test secret of sufficient length"))
	if err != nil {
		t.Fatal(err)
	}
	var csv strings.Builder
	csv.WriteString("手机,证件号\n")
	var raw []string
	for i := range 300 {
		phone := fmt.Sprintf("139%08d", 10000000+i*7919)
		id := fmt.Sprintf("11010519%02d0101%03d", 50+i%40, i)
		csv.WriteString(phone + "," + id + "X\n")
		raw = append(raw, phone, phone[3:], id)
	}
	specs, _ := dlp.ParseColumns("手机=phone,证件号=id_card")
	imp, err := dlp.Import(strings.NewReader(csv.String()), specs, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.NextRecordSetVersion(ctx, "重点客户")
	must(t, err)
	must(t, s.PutRecordChunk(ctx, "重点客户", v, 0, dlp.EncodeEntries(nil, imp.Entries)))
	meta, _ := json.Marshal(dlp.RecordSet{Name: "重点客户", Version: v, Columns: imp.Columns, Rows: imp.Rows})
	must(t, s.CommitRecordSet(ctx, "重点客户", v, 1, meta))

	paras := []string{"二〇二七年华东大区旗舰产品底价为每台四千二百元，经销商返点按季度考核，不得低于百分之十二。", "重点项目投标须经副总裁审批。"}
	p := dlp.FingerprintDocument(key, paras)
	if p.Format != dlp.PrintsFormatTagged || len(p.Tags) == 0 {
		t.Fatalf("the document is stored in format %d with %d probe tags: the scan would not see the tags", p.Format, len(p.Tags))
	}
	id, err := s.NextDocumentID(ctx)
	must(t, err)
	must(t, s.SaveDocument(ctx, id, []byte(`{"name":"2027年报价策略"}`), p.Encode()))
	raw = append(raw, "四千二百元", "经销商返点", "副总裁审批")

	scan := func() (n int) {
		t.Helper()
		iter := s.rdb.Scan(ctx, 0, s.prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			k := iter.Val()
			n++
			var vals []string
			switch typ := s.rdb.Type(ctx, k).Val(); typ {
			case "string":
				vals = []string{s.rdb.Get(ctx, k).Val()}
			case "hash":
				for f, v := range s.rdb.HGetAll(ctx, k).Val() {
					vals = append(vals, f, v)
				}
			case "stream":
				for _, m := range s.rdb.XRange(ctx, k, "-", "+").Val() {
					vals = append(vals, fmt.Sprint(m.Values))
				}
			default:
				t.Errorf("key %q of type %s not scanned", k, typ)
			}
			for _, v := range append(vals, k) {
				for _, r := range raw {
					if strings.Contains(v, r) {
						t.Fatalf("key %q holds the raw value %q", k, r)
					}
				}
			}
		}
		must(t, iter.Err())
		return n
	}
	if n := scan(); n < 5 {
		t.Fatalf("scanned only %d keys", n)
	}

	// Deleting removes the hashes and fingerprints everywhere.
	ok, err := s.DeleteRecordSet(ctx, "重点客户")
	must(t, err)
	ok2, err := s.DeleteDocument(ctx, id)
	must(t, err)
	if !ok || !ok2 {
		t.Fatal("delete reported nothing deleted")
	}
	iter := s.rdb.Scan(ctx, 0, s.prefix+"{dlp}:*", 1000).Iterator()
	for iter.Next(ctx) {
		switch k := iter.Val(); {
		case strings.Contains(k, ":set:"), strings.Contains(k, ":doc:"):
			t.Errorf("key %q left after deletion", k)
		}
	}
	sets, _, err := s.RecordSets(ctx)
	must(t, err)
	docs, err := s.Documents(ctx)
	must(t, err)
	if len(sets)+len(docs) != 0 {
		t.Errorf("left: %v sets, %v documents", sets, docs)
	}
}

// TestRecordSetReplace checks that a re-import replaces the set in one step
// and deletes the old version's chunks.
func TestRecordSetReplace(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	before, err := s.DLPVersion(ctx)
	must(t, err)
	for _, chunks := range []int{3, 1} {
		v, err := s.NextRecordSetVersion(ctx, "客户")
		must(t, err)
		for i := range chunks {
			must(t, s.PutRecordChunk(ctx, "客户", v, i, []byte{byte(i)}))
		}
		must(t, s.CommitRecordSet(ctx, "客户", v, chunks, []byte("{}")))
	}
	sets, ver, err := s.RecordSets(ctx)
	must(t, err)
	if len(sets) != 1 || sets[0].Version != 2 || sets[0].Chunks != 1 || ver != before+2 {
		t.Fatalf("sets %+v version %d", sets, ver)
	}
	if _, err := s.RecordChunk(ctx, "客户", 1, 2); err == nil {
		t.Error("version 1's chunk is still there")
	}
	if b, err := s.RecordChunk(ctx, "客户", 2, 0); err != nil || len(b) != 1 {
		t.Errorf("version 2's chunk: %v %v", b, err)
	}
}
