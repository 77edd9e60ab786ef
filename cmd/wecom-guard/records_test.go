package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
)

// TestRecordsImportCheckDelete imports generated customers and a document
// with the CLI, checks messages with `check` against the stored sets, and
// deletes them again.
func TestRecordsImportCheckDelete(t *testing.T) {
	if os.Getenv("REDIS_URL") == "" {
		t.Skip("records work on the Redis shared with `serve`: set REDIS_URL")
	}
	st := storetest.New(t)
	t.Setenv("REDIS_PREFIX", st.Prefix())
	dir := t.TempDir()
	secret := filepath.Join(dir, "dlp_secret")
	os.WriteFile(secret, []byte("0123456789abcdef0123456789abcdef\n"), 0o600)
	ctx := context.Background()
	csv := filepath.Join(dir, "客户.csv")
	os.WriteFile(csv, []byte("\ufeff手机,证件号,备注\n13912345678,11010519491231002X,甲\n15800001111,,乙\n12345,,丙\n"), 0o644)
	var out, errOut bytes.Buffer

	// Without the secret: a clear refusal, nothing stored.
	err := run(ctx, []string{"records", "import", csv, "--columns", "手机=phone,证件号=id_card"}, nil, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "dlp.secret") {
		t.Fatalf("import without a secret: %v", err)
	}
	t.Setenv("DLP_SECRET_FILE", secret)
	if err := run(ctx, []string{"records", "import", csv, "--columns", "手机=fax"}, nil, &out, &errOut); err == nil {
		t.Fatal("unknown kind accepted")
	}
	if err := run(ctx, []string{"records", "import", csv, "--columns", "手机=phone,证件号=id_card"}, nil, &out, &errOut); err != nil {
		t.Fatalf("import: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), `record set "客户" version 1: 3 distinct values`) || !strings.Contains(out.String(), "1 invalid") {
		t.Fatalf("import printed %q", out.String())
	}
	if !strings.Contains(errOut.String(), "第 3 条记录的“手机”不是有效的手机号") || strings.Contains(errOut.String(), "12345,") {
		t.Errorf("stderr %q", errOut.String())
	}
	doc := filepath.Join(dir, "2027年报价策略.md")
	os.WriteFile(doc, []byte("# 封面\n\n二〇二七年华东大区旗舰产品底价为每台四千二百元，经销商返点按季度考核，不得低于百分之十二；重点项目投标须经副总裁审批。\n"), 0o644)
	out.Reset()
	if err := run(ctx, []string{"records", "protect", doc, "--category", "报价"}, nil, &out, &errOut); err != nil {
		t.Fatalf("protect: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"records", "list"}, nil, &out, &errOut); err != nil || !strings.Contains(out.String(), "客户") ||
		!strings.Contains(out.String(), "2027年报价策略") || strings.Contains(out.String(), "13912345678") {
		t.Fatalf("list: %v\n%s", err, out.String())
	}

	in := strings.NewReader("客户电话 139-1234-5678\n客户电话 13912345679\n证件号 11010519491231002x\n转发：二〇二七年华东大区旗舰产品底价为每台四千二百元，经销商返点按季度考核，不得低于百分之十二\n")
	out.Reset()
	errOut.Reset()
	if err := run(ctx, []string{"check"}, in, &out, &errOut); err != nil {
		t.Fatalf("check: %v", err)
	}
	if !strings.Contains(errOut.String(), "1 customer record sets (3 values) and 1 protected documents") {
		t.Errorf("check stderr %q", errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []struct{ action, kind, set, column string }{
		{"escalate_hr", "customer_record", "客户", "手机"},
		{"alert_owner", "", "", ""},
		{"escalate_hr", "customer_record", "客户", "证件号"},
		{"escalate_hr", "document", "2027年报价策略", "报价"},
	}
	for i, w := range want {
		var res checkResult
		if err := json.Unmarshal([]byte(lines[i]), &res); err != nil {
			t.Fatal(err)
		}
		var found *checkHit
		for j := range res.Hits {
			if res.Hits[j].Kind == w.kind {
				found = &res.Hits[j]
			}
		}
		if res.Action != w.action || (w.kind != "") != (found != nil) || found != nil && (found.Set != w.set || found.Column != w.column) {
			t.Errorf("line %d: %s", i+1, lines[i])
		}
	}

	out.Reset()
	if err := run(ctx, []string{"records", "delete", "客户"}, nil, &out, &errOut); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := run(ctx, []string{"records", "delete", "客户"}, nil, &out, &errOut); err == nil {
		t.Error("deleting a missing set succeeded")
	}
	entries, err := st.AuditLog(ctx, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, " "); got != "dlp.records.delete dlp.document.add dlp.records.import" {
		t.Errorf("audit %q", got)
	}
}
