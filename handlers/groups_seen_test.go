package handlers_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/store"
)

// The 群聊 page lists every group seen, with WeCom's name where HR set
// none (HR's wins); names answers the same; the dashboard's departments
// carry WeCom's names, else HR's CSV department.
func TestGroupsSeenWithWeComNames(t *testing.T) {
	e := newAdminEnv(t)
	ctx := context.Background()
	now := time.Now()
	if err := e.st.NoteGroupsSeen(ctx, []store.GroupSeen{
		{ChatID: "wrseen1", Kind: "work", LastSeen: now, Messages: 12},
		{ChatID: "wrhrname", Kind: "private", LastSeen: now.Add(-time.Hour), Messages: 3},
	}, now); err != nil {
		t.Fatal(err)
	}
	for id, name := range map[string]string{"wrseen1": "华东销售群", "wrhrname": "企业微信里的名字"} {
		if err := e.st.NoteGroupName(ctx, id, "work", name, now); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.st.SetChat(ctx, store.ChatInfo{ChatID: "wrhrname", Name: "HR 起的名字", Kind: "private"}); err != nil {
		t.Fatal(err)
	}
	code, body := e.call("GET", "/api/v1/groups", e.tokens["hr"], "")
	var gs struct {
		Groups []struct {
			ChatID    string    `json:"chat_id"`
			Name      string    `json:"name"`
			WeComName string    `json:"wecom_name"`
			Kind      string    `json:"kind"`
			SeenKind  string    `json:"seen_kind"`
			Messages  int64     `json:"messages"`
			LastSeen  time.Time `json:"last_seen"`
		} `json:"groups"`
	}
	if err := json.Unmarshal([]byte(body), &gs); code != 200 || err != nil {
		t.Fatalf("groups: %d %s", code, body)
	}
	byID := map[string]int{}
	for i, g := range gs.Groups {
		byID[g.ChatID] = i
	}
	i, ok := byID["wrseen1"]
	if !ok {
		t.Fatalf("groups %s: wrseen1 (seen, never set, no violation) missing", body)
	}
	if g := gs.Groups[i]; g.WeComName != "华东销售群" || g.Messages != 12 || g.SeenKind != "work" || g.Kind != "" || g.LastSeen.IsZero() {
		t.Errorf("wrseen1 = %+v", g)
	}
	if g := gs.Groups[byID["wrhrname"]]; g.Name != "HR 起的名字" || g.Messages != 3 {
		t.Errorf("wrhrname = %+v", g)
	}
	if gs.Groups[0].Kind != "" {
		t.Errorf("unclassified groups come first: %s", body)
	}
	code, body = e.call("GET", "/api/v1/names?chats=wrseen1,wrhrname,wrnone", e.tokens["owner"], "")
	var names struct {
		Chats map[string]string `json:"chats"`
	}
	if err := json.Unmarshal([]byte(body), &names); code != 200 || err != nil {
		t.Fatalf("names: %d %s", code, body)
	}
	if names.Chats["wrseen1"] != "华东销售群" || names.Chats["wrhrname"] != "HR 起的名字" || len(names.Chats) != 2 {
		t.Errorf("names.chats = %v; want WeCom's name, HR's winning over WeCom's", names.Chats)
	}

	// Departments: one named by WeCom, one only by HR's CSV.
	if err := e.st.NoteDepartment(ctx, store.Department{ID: 5, Name: "华东销售部", At: now}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.NoteDepartment(ctx, store.Department{ID: 6, At: now}); err != nil {
		t.Fatal(err)
	}
	code, body = e.call("GET", "/api/v1/names?departments=5,6", e.tokens["hr"], "")
	var dn struct {
		Departments map[string]string `json:"departments"`
	}
	if err := json.Unmarshal([]byte(body), &dn); code != 200 || err != nil || dn.Departments["5"] != "华东销售部" || len(dn.Departments) != 1 {
		t.Errorf("names?departments: %d %s", code, body)
	}
}

// The dashboard's departments by name: WeCom's name for a department id,
// HR's CSV department for a member of a department WeCom withheld, and for
// a member no WeCom lookup placed.
func TestStatsDepartmentNames(t *testing.T) {
	e := newAdminEnv(t)
	seedViolations(t, e) // zhangsan 2, lisi 1
	ctx := context.Background()
	if err := e.st.CacheSet(ctx, "user:zhangsan", map[string]any{"UserID": "zhangsan", "MainDepartment": 7}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := e.st.NoteDepartment(ctx, store.Department{ID: 7, Name: "华东销售部", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if code, body := e.call("PUT", "/api/v1/directory", e.tokens["hr"], "lisi,李四,法务部\n"); code != 200 {
		t.Fatalf("import: %d %s", code, body)
	}
	code, body := e.call("GET", "/api/v1/stats?days=7", e.tokens["hr"], "")
	var got struct {
		ByDepartment     map[string]int64  `json:"by_department"`
		DepartmentNames  map[string]string `json:"department_names"`
		ByDepartmentName map[string]int64  `json:"by_department_name"`
	}
	if err := json.Unmarshal([]byte(body), &got); code != 200 || err != nil {
		t.Fatalf("%d %s", code, body)
	}
	if got.ByDepartment["7"] != 2 || got.ByDepartment["unknown"] != 1 {
		t.Errorf("by_department %v (the codes stay)", got.ByDepartment)
	}
	if got.DepartmentNames["7"] != "华东销售部" || got.ByDepartmentName["华东销售部"] != 2 || got.ByDepartmentName["法务部"] != 1 || len(got.ByDepartmentName) != 2 {
		t.Errorf("department_names %v, by_department_name %v; want 华东销售部 2 (WeCom) and 法务部 1 (HR's CSV)", got.DepartmentNames, got.ByDepartmentName)
	}
	// WeCom withheld department 7's name: HR's CSV department of its member names it.
	if err := e.st.NoteDepartment(ctx, store.Department{ID: 7, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if code, body := e.call("PUT", "/api/v1/directory", e.tokens["hr"], "zhangsan,张三,销售部\n"); code != 200 {
		t.Fatalf("import: %d %s", code, body)
	}
	_, body = e.call("GET", "/api/v1/stats?days=7", e.tokens["hr"], "")
	got.DepartmentNames, got.ByDepartmentName = nil, nil
	if err := json.Unmarshal([]byte(body), &got); err != nil || got.DepartmentNames["7"] != "销售部" || got.ByDepartmentName["销售部"] != 2 {
		t.Errorf("withheld: %s; want department 7 named 销售部 from HR's CSV", body)
	}
}
