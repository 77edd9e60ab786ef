package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/dlp"
	"github.com/wecom-guard/wecom-guard/handlers"
	"github.com/wecom-guard/wecom-guard/moderation"
	"github.com/wecom-guard/wecom-guard/rules"
)

// secretParagraph is a generated confidential paragraph (no real data).
const secretParagraph = "二〇二七年华东大区旗舰产品底价为每台四千二百元，经销商返点按季度考核，不得低于百分之十二；重点项目投标须经副总裁审批，底价不得向任何渠道透露。"

// dlpEnv is the service with customer records and documents: the admin
// API and console with DLP, the pipeline, and the index that follows Redis.
type dlpEnv struct {
	st       *store.Store
	data     *bot.Data
	pipeline *bot.Pipeline
	srv      *httptest.Server
	tokens   map[string]string
	logs     *syncBuffer
	key      *dlp.Key
}

// syncBuffer is a log sink that the test reads while replicas write.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newDLPEnv(t *testing.T) *dlpEnv {
	t.Helper()
	st := storetest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	key, err := dlp.NewKey([]byte("handlers test secret, 32 bytes!!"))
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	logger := zerolog.New(logs)
	seed, _ := rules.DefaultFiles()
	policy, err := bot.NewPolicy(ctx, bot.PolicyConfig{Store: st, Seed: seed, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	data, err := bot.NewData(ctx, bot.DataConfig{Store: st, Key: key, Logger: logger, Poll: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	go data.Run(ctx)
	p, err := bot.New(bot.Config{Store: st, Checker: policy.Checker, Data: data.Matcher})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := wecom.NewCrypto("token", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "corp")
	h, err := handlers.New(handlers.Config{Crypto: c, CorpID: "corp", Pipeline: p, Logger: logger, Admin: st, Checker: policy.Checker,
		Rules: st, DLP: handlers.DLPConfig{Store: st, Key: key, Data: data.Matcher}})
	if err != nil {
		t.Fatal(err)
	}
	e := &dlpEnv{st: st, data: data, pipeline: p, srv: httptest.NewServer(h.Handler()), tokens: map[string]string{}, logs: logs, key: key}
	t.Cleanup(e.srv.Close)
	for _, role := range []string{handlers.RoleHR, handlers.RoleAuditor} {
		_, secret, err := st.CreateToken(ctx, role+"-user", role, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[role] = secret
	}
	return e
}

// TestDLPEndToEnd imports customers and a document through the API, and
// checks that the pipeline escalates a real customer's number while a
// random valid number is handled as before, that a pasted paragraph names
// the document, that no answer, audit entry or log line holds a value, and
// that deletion takes effect on the running replica.
func TestDLPEndToEnd(t *testing.T) {
	e := newDLPEnv(t)
	ctx := context.Background()
	srv, tokens, data, p, logs := e.srv, e.tokens, e.data, e.pipeline, e.logs
	var answers []string
	call := func(method, path, role, contentType string, body io.Reader) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, body)
		req.Header.Set("Authorization", "Bearer "+tokens[role])
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		answers = append(answers, string(b))
		return resp.StatusCode, string(b)
	}

	phones := []string{"13912345678", "13987654321", "15800001111"}
	csv := "手机,姓名\n" + strings.Join(phones, ",某客户\n") + ",某客户\n"
	setPath := "/api/v1/dlp/sets/" + url.PathEscape("重点客户") + "?columns=" + url.QueryEscape("手机=phone")
	if code, body := call("PUT", setPath, handlers.RoleAuditor, "text/csv", strings.NewReader(csv)); code != http.StatusForbidden {
		t.Fatalf("auditor import: %d %s", code, body)
	}
	if code, body := call("PUT", setPath, handlers.RoleHR, "text/csv", strings.NewReader(csv)); code != http.StatusOK || !strings.Contains(body, `"hashes":3`) {
		t.Fatalf("import: %d %s", code, body)
	}
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	mw.WriteField("name", "2027年报价策略")
	mw.WriteField("category", "报价")
	fw, _ := mw.CreateFormFile("file", "策略.txt")
	fmt.Fprintf(fw, "第一段：封面。\n%s\n", secretParagraph)
	mw.Close()
	if code, body := call("POST", "/api/v1/dlp/documents", handlers.RoleHR, mw.FormDataContentType(), &form); code != http.StatusCreated {
		t.Fatalf("add document: %d %s", code, body)
	}
	if code, body := call("POST", "/api/v1/dlp/documents", handlers.RoleHR, "text/plain", strings.NewReader("x")); code != http.StatusBadRequest {
		t.Errorf("no file: %d %s", code, body)
	}
	waitFor(t, func() bool { return len(data.Index().Sets()) == 1 && len(data.Index().Docs()) == 1 })

	process := func(id, text string) rules.Verdict {
		t.Helper()
		res, err := p.Process(ctx, bot.Message{ID: id, From: "zhangsan", ChatID: "wr1", ChatKind: rules.ChatWork, Text: text, Time: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		return res.Verdict
	}
	if v := process("m1", "客户电话 139 1234 5678，麻烦回个电话"); v.Action != rules.ActionEscalateHR {
		t.Errorf("customer's number: %v %+v", v.Action, v.Hits)
	}
	if v := process("m2", "客户电话 13912345679，麻烦回个电话"); v.Action != rules.ActionAlertOwner {
		t.Errorf("random valid number: %v, want alert_owner as without records", v.Action)
	}
	v := process("m3", "大家注意：二〇二七年华东大区旗舰产品底价为每台四千二百元，经销商返点按季度考核，不得低于百分之十二；重点项目投标须经副总裁审批")
	var doc *rules.Hit
	for i := range v.Hits {
		if v.Hits[i].Kind == moderation.KindDocument {
			doc = &v.Hits[i]
		}
	}
	if doc == nil || v.Action != rules.ActionEscalateHR || doc.Category != "secrets" || !strings.HasPrefix(doc.Masked, "《2027年报价策略》第 2 段起 ") {
		t.Fatalf("pasted paragraph: %+v", v)
	}

	code, body := call("GET", "/api/v1/dlp", handlers.RoleAuditor, "", nil)
	var ov struct {
		Sets      []dlp.RecordSet `json:"sets"`
		Documents []dlp.Document  `json:"documents"`
	}
	if code != http.StatusOK || json.Unmarshal([]byte(body), &ov) != nil || len(ov.Sets) != 1 || ov.Sets[0].Hashes != 3 ||
		ov.Sets[0].ImportedBy != "hr-user" || len(ov.Documents) != 1 || ov.Documents[0].Name != "2027年报价策略" {
		t.Fatalf("overview: %d %s", code, body)
	}
	code, audit := call("GET", "/api/v1/audit", handlers.RoleAuditor, "", nil)
	if code != http.StatusOK || !strings.Contains(audit, "hr-user 导入客户数据「重点客户」第 1 版：3 条记录，3 个不同的值，列：手机（手机号）") ||
		!strings.Contains(audit, "hr-user 上传保密文件「2027年报价策略」（报价）") {
		t.Errorf("audit: %d %s", code, audit)
	}

	// Deleting: the running replica stops matching.
	if code, body := call("DELETE", "/api/v1/dlp/sets/"+url.PathEscape("重点客户"), handlers.RoleHR, "", nil); code != http.StatusNoContent {
		t.Fatalf("delete set: %d %s", code, body)
	}
	if code, _ := call("DELETE", "/api/v1/dlp/documents/"+ov.Documents[0].ID, handlers.RoleHR, "", nil); code != http.StatusNoContent {
		t.Fatalf("delete document: %d", code)
	}
	waitFor(t, func() bool { return len(data.Index().Sets()) == 0 && len(data.Index().Docs()) == 0 })
	if v := process("m4", "客户电话 13912345678"); v.Action != rules.ActionAlertOwner {
		t.Errorf("after deletion: %v", v.Action)
	}

	// No value and no sentence of the document in any answer or log line.
	everything := strings.Join(answers, "\n") + logs.String()
	for _, raw := range append(phones, "1234 5678", "四千二百元", "副总裁审批") {
		if strings.Contains(everything, raw) {
			t.Errorf("%q appears in an API answer or the log", raw)
		}
	}
}

// waitFor polls cond until it holds; replicas follow within the poll period.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("the replica did not follow the change")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
