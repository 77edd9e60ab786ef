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
