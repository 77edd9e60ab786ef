package dlp

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/wecom-guard/wecom-guard/moderation"
	"github.com/wecom-guard/wecom-guard/rules"
)

func testKey(t testing.TB) *Key {
	t.Helper()
	k, err := NewKey([]byte("test secret, not a real one: 0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func importTest(t testing.TB, key *Key, csv, columns string) *Imported {
	t.Helper()
	specs, err := ParseColumns(columns)
	if err != nil {
		t.Fatal(err)
	}
	imp, err := Import(strings.NewReader(csv), specs, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	return imp
}

func setOf(imp *Imported, name string) LoadedSet {
	return LoadedSet{Set: RecordSet{Name: name, Version: 1, Columns: imp.Columns, Rows: imp.Rows, Hashes: len(imp.Entries), Format: EntryFormatTagged}, Entries: imp.Entries}
}

func TestParseColumns(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want []ColumnSpec
		err  string
	}{
		{"phone,id_card", []ColumnSpec{{"phone", KindPhone}, {"id_card", KindIDCard}}, ""},
		{"手机=phone, 证件号=id_card,客户编号=customer_no", []ColumnSpec{{"手机", KindPhone}, {"证件号", KindIDCard}, {"客户编号", KindToken}}, ""},
		{"姓名=name", nil, "names cannot be matched"},
		{"手机=fax", nil, "unknown column kind"},
		{"", nil, "at least one column"},
		{"phone,phone", nil, "named twice"},
	} {
		got, err := ParseColumns(tc.spec)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseColumns(%q) error %v, want %q", tc.spec, err, tc.err)
			}
			continue
		}
		if err != nil || len(got) != len(tc.want) {
			t.Fatalf("ParseColumns(%q) = %v, %v", tc.spec, got, err)
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("ParseColumns(%q)[%d] = %v, want %v", tc.spec, i, got[i], tc.want[i])
			}
		}
	}
}

// TestRecordsEveryFormat imports generated customers and checks that each
// phone, ID card and bank card number is found in every spelling the
// detectors accept, and that a number one digit off is not.
func TestRecordsEveryFormat(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	key := testKey(t)
	csv, rows := genCSV(r, 200)
	imp := importTest(t, key, csv, "手机=phone,证件号=id_card,卡号=bank_card,客户编号=customer_no")
	if imp.Rows != 200 || imp.Invalid != 0 || len(imp.Entries) != 800 {
		t.Fatalf("import: rows %d invalid %d hashes %d (%v)", imp.Rows, imp.Invalid, len(imp.Entries), imp.Problems)
	}
	x := NewIndex(key, Options{}, []LoadedSet{setOf(imp, "重点客户")}, nil)
	rs, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	e, err := rules.Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	spell := map[string]func(string) string{
		"plain":      func(s string) string { return s },
		"+86":        func(s string) string { return "+86 " + s },
		"0086":       func(s string) string { return "0086" + s },
		"spaces":     func(s string) string { return s[:3] + " " + s[3:7] + " " + s[7:] },
		"dashes":     func(s string) string { return s[:3] + "-" + s[3:7] + "-" + s[7:] },
		"full-width": fullWidth,
		"chinese":    chineseDigits,
	}
	mc := rules.Context{ChatKind: rules.ChatWork, Data: x}
	check := func(t *testing.T, text, column string, want bool) {
		t.Helper()
		v := e.Evaluate(text, mc)
		var got *rules.Hit
		for i := range v.Hits {
			if v.Hits[i].Kind == moderation.KindCustomerRecord {
				got = &v.Hits[i]
			}
		}
		if (got != nil) != want {
			t.Fatalf("%q: customer_record hit %v, want %v (hits %+v)", text, got != nil, want, v.Hits)
		}
		if got != nil {
			if got.Data.Column != column || got.Data.Set != "重点客户" || v.Action != rules.ActionEscalateHR {
				t.Errorf("%q: hit %+v data %+v action %v", text, got, got.Data, v.Action)
			}
			if strings.Contains(got.Masked, strings.Trim(text, "电话客户证件号卡号：")) {
				t.Errorf("%q: evidence not masked: %q", text, got.Masked)
			}
		}
	}
	for name, f := range spell {
		t.Run("phone "+name, func(t *testing.T) {
			for _, row := range rows[:20] {
				check(t, "客户电话："+f(row[0]), "手机", true)
			}
		})
	}
	t.Run("id_card", func(t *testing.T) {
		for _, row := range rows[:20] {
			check(t, "证件号："+row[1], "证件号", true)
			check(t, "证件号："+fullWidth(row[1]), "证件号", true)
			check(t, "证件号："+strings.ToLower(row[1][:6]+" "+row[1][6:14]+" "+row[1][14:]), "证件号", true)
		}
	})
	t.Run("bank_card", func(t *testing.T) {
		for _, row := range rows[:20] {
			c := row[2]
			check(t, "卡号："+c, "卡号", true)
			check(t, "卡号："+c[:4]+" "+c[4:8]+" "+c[8:12]+" "+c[12:16]+" "+c[16:], "卡号", true)
		}
	})
	t.Run("token", func(t *testing.T) {
		check(t, "请查一下客户 CU0000042 的合同", "客户编号", true)
		check(t, "请查一下客户 cu-0000042 的合同", "客户编号", true)
		check(t, "请查一下客户 CU0000042X 的合同", "", false)
	})
	t.Run("one digit off", func(t *testing.T) {
		for _, row := range rows[:20] {
			for _, v := range []string{row[0], row[1]} {
				last := v[len(v)-2]
				off := v[:len(v)-2] + string('0'+(last-'0'+1)%10) + v[len(v)-1:]
				check(t, "客户："+off, "", false)
			}
		}
	})
	t.Run("random valid number", func(t *testing.T) {
		rr := rand.New(rand.NewPCG(9, 9))
		for range 50 {
			v := e.Evaluate("客户电话："+genPhone(rr), mc)
			if v.Action != rules.ActionAlertOwner {
				t.Errorf("random number: action %v, want alert_owner as without records (%+v)", v.Action, v.Hits)
			}
		}
	})
}

func fullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '!' && r <= '~' {
			r += 0xFF01 - '!'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func chineseDigits(s string) string {
	const zh = "零一二三四五六七八九"
	rs := []rune(zh)
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			r = rs[r-'0']
		}
		b.WriteRune(r)
	}
	return b.String()
}

func TestImportInvalidValues(t *testing.T) {
	key := testKey(t)
	imp := importTest(t, key, "手机,备注\n13800138000,a\n12345,b\n,c\n", "手机=phone")
	if imp.Rows != 3 || imp.Invalid != 1 || len(imp.Entries) != 1 || len(imp.Problems) != 1 {
		t.Fatalf("got %+v", imp)
	}
	if strings.Contains(imp.Problems[0], "12345") || !strings.Contains(imp.Problems[0], "第 2 条记录") {
		t.Errorf("problem %q: names the row, never the value", imp.Problems[0])
	}
	specs, _ := ParseColumns("证件号=id_card")
	if _, err := Import(strings.NewReader("手机\n1\n"), specs, key, nil); err == nil || !strings.Contains(err.Error(), "no column \"证件号\"") {
		t.Errorf("missing column: %v", err)
	}
}

func TestKeyedHashes(t *testing.T) {
	k1, k2 := testKey(t), func() *Key { k, _ := NewKey([]byte("another secret of enough length!")); return k }()
	if k1.recordHash(KindPhone, []byte("13800138000")) == k2.recordHash(KindPhone, []byte("13800138000")) {
		t.Error("two keys give the same record hash")
	}
	if k1.recordHash(KindPhone, []byte("13800138000")) == k1.recordHash(KindToken, []byte("13800138000")) {
		t.Error("kinds are not separated")
	}
	if _, err := NewKey([]byte("short")); err == nil {
		t.Error("a short secret was accepted")
	}
}
