package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/dlp"
)

// TestTryConsultsDLP: HR's 试一试 (POST /api/v1/test) reports
// customer_record and document hits from the data in force, as the
// pipeline does, masked and said in Chinese; a random number and unrelated
// text are not hits; an auditor's leaves the data out.
func TestTryConsultsDLP(t *testing.T) {
	e := newDLPEnv(t)
	ctx := context.Background()
	specs, _ := dlp.ParseColumns("手机=phone")
	imp, err := dlp.Import(strings.NewReader("手机\n13912345678\n"), specs, e.key, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bot.SaveRecordSet(ctx, e.st, "重点客户", imp, "hr-user", time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := bot.SaveDocument(ctx, e.st, e.key, "2027年报价策略", "报价", "策略.txt",
		[]byte("第一段：封面。\n"+secretParagraph+"\n"), "hr-user", time.Now()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(e.data.Index().Sets()) == 1 && len(e.data.Index().Docs()) == 1 })
	tryAs := func(role, text string) (string, []map[string]any, bool) {
		t.Helper()
		body, _ := json.Marshal(map[string]string{"text": text, "chat_kind": "work"})
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/test", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+e.tokens[role])
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v struct {
			Action   string           `json:"action"`
			Hits     []map[string]any `json:"hits"`
			Withheld bool             `json:"data_withheld"`
		}
		if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&v) != nil {
			t.Fatalf("%q: status %d", text, resp.StatusCode)
		}
		return v.Action, v.Hits, v.Withheld
	}
	try := func(text string) (string, []map[string]any) {
		t.Helper()
		action, hits, withheld := tryAs("hr", text)
		if withheld {
			t.Errorf("%q: HR's check left the data out", text)
		}
		return action, hits
	}
	find := func(hits []map[string]any, kind string) map[string]any {
		for _, h := range hits {
			if h["kind"] == kind {
				return h
			}
		}
		return nil
	}
	action, hits := try("客户电话 139 1234 5678，麻烦回个电话")
	h := find(hits, "customer_record")
	if h == nil || action != "escalate_hr" {
		t.Fatalf("customer's number: %s %v", action, hits)
	}
	if h["masked"] != "139****5678" || h["data"] != "与客户数据「重点客户」的“手机”列中的一条记录相同" ||
		!strings.Contains(h["explanation"].(string), "真实客户信息“139****5678”") {
		t.Errorf("customer_record hit: %v", h)
	}
	if _, hits := try("客户电话 13912345679，麻烦回个电话"); find(hits, "customer_record") != nil {
		t.Errorf("a random number is a customer's: %v", hits)
	}
	action, hits = try("大家注意：" + secretParagraph)
	h = find(hits, "document")
	if h == nil || action != "escalate_hr" || h["category"] != "secrets" {
		t.Fatalf("pasted paragraph: %s %v", action, hits)
	}
	if !strings.HasPrefix(h["masked"].(string), "《2027年报价策略》第 2 段起 ") ||
		!strings.HasPrefix(h["data"].(string), "与保密文件《2027年报价策略》（报价）第 2 段起的 ") {
		t.Errorf("document hit: %v", h)
	}
	for _, h := range hits {
		for k, v := range h {
			if s, ok := v.(string); ok && strings.Contains(s, "四千二百") {
				t.Errorf("hit %s holds the document's text: %q", k, s)
			}
		}
	}
	// An auditor's check is no oracle of who is a customer or what a
	// protected document says: neither is consulted, and the answer says so.
	for _, text := range []string{"客户电话 139 1234 5678，麻烦回个电话", "大家注意：" + secretParagraph} {
		_, hits, withheld := tryAs("auditor", text)
		if !withheld || find(hits, "customer_record") != nil || find(hits, "document") != nil {
			t.Errorf("auditor's check of %.20q: withheld %v, hits %v; want the data left out", text, withheld, hits)
		}
	}
	if _, hits := try("本季度华东大区经销商大会定于下月召开，会议讨论渠道建设、培训计划和年度评优，请各位经理提前准备汇报材料并报名参会。"); find(hits, "document") != nil {
		t.Errorf("unrelated text: %v", hits)
	}
}
