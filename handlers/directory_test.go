package handlers_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/rules"
)

// HR imports the directory CSV as Excel saves it; a bad line refuses the
// whole file with its line; names come back for the ids asked, HR's first.
func TestDirectoryImportAndNames(t *testing.T) {
	e := newAdminEnv(t)
	hr := e.tokens["hr"]
	for _, tc := range []struct {
		name, path, body string
		code             int
		want             string
	}{
		{"excel csv", "/api/v1/directory", "\uFEFF账号,姓名,部门\r\nzhangsan,张三,销售部\r\nlisi,李四,\r\n", 200, `"members":2`},
		{"append", "/api/v1/directory", "wangwu,王五,研发部\n", 200, `"members":3`},
		{"missing name", "/api/v1/directory", "zhaoliu,\n", 400, "line 1"},
		{"too many fields", "/api/v1/directory", "a,b,c,d\n", 400, "line 1"},
		{"duplicate", "/api/v1/directory", "a,甲\nb,乙\na,丙\n", 400, "line 3"},
		{"not utf-8", "/api/v1/directory", "zhangsan,\xd5\xc5\xc8\xfd\n", 400, "UTF-8"},
		{"empty", "/api/v1/directory", "\n", 400, "nobody"},
		{"bad mode", "/api/v1/directory?mode=merge", "a,甲\n", 400, "mode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := e.call("PUT", tc.path, hr, tc.body)
			if code != tc.code || !strings.Contains(body, tc.want) {
				t.Fatalf("%d %s, want %d with %q", code, body, tc.code, tc.want)
			}
		})
	}
	if code, _ := e.call("PUT", "/api/v1/directory", e.tokens["auditor"], "a,甲\n"); code != 403 {
		t.Errorf("an auditor imports the directory: %d", code)
	}
	// WeCom named someone HR did not (the sender's cache of user/get).
	if err := e.st.CacheSet(context.Background(), "user:zhouqi", map[string]any{"UserID": "zhouqi", "Name": "周七"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := e.st.SetChat(context.Background(), store.ChatInfo{ChatID: "wrwork", Name: "产品研发群", Kind: "work"}); err != nil {
		t.Fatal(err)
	}
	code, body := e.call("GET", "/api/v1/names?users=zhangsan,zhouqi,nobody&chats=wrwork,wrother", e.tokens["owner"], "")
	var names struct {
		Users map[string]store.Member `json:"users"`
		Chats map[string]string       `json:"chats"`
	}
	if err := json.Unmarshal([]byte(body), &names); code != 200 || err != nil {
		t.Fatalf("names: %d %s", code, body)
	}
	if names.Users["zhangsan"].Name != "张三" || names.Users["zhangsan"].Department != "销售部" || names.Users["zhouqi"].Name != "周七" ||
		len(names.Users) != 2 || names.Chats["wrwork"] != "产品研发群" || len(names.Chats) != 1 {
		t.Fatalf("names %+v", names)
	}
	// Replacing drops who is not in the new file.
	if code, body := e.call("PUT", "/api/v1/directory?mode=replace", hr, "zhangsan,张三丰,销售部\n"); code != 200 || !strings.Contains(body, `"members":1`) {
		t.Fatalf("replace: %d %s", code, body)
	}
	if _, body := e.call("GET", "/api/v1/names?users=zhangsan,lisi", hr, ""); !strings.Contains(body, "张三丰") || strings.Contains(body, "李四") {
		t.Fatalf("names after replacing: %s", body)
	}
	entries, err := e.st.AuditLog(context.Background(), 1, "")
	if err != nil || len(entries) != 1 || entries[0].Action != "directory.import" {
		t.Fatalf("import not audited: %+v %v", entries, err)
	}
}

// The 群聊 list holds every group seen (set by HR or with violations),
// the unclassified first; the repeat offenders are those with two
// violations or more, most first.
func TestGroupsAndOffenders(t *testing.T) {
	e := newAdminEnv(t)
	ctx := context.Background()
	now := time.Now()
	for i, m := range []bot.Message{
		{ID: "msg:g1", From: "zhangsan", ChatID: "wrsales", Text: "你这个傻逼"},
		{ID: "msg:g2", From: "zhangsan", ChatID: "wrsales", Text: "傻逼别说了"},
		{ID: "msg:g3", From: "lisi", ChatID: "wrsales", Text: "加我微信 abc123456 领红包"},
		{ID: "msg:g4", From: "wangwu", ChatID: "wrdev", Text: "你是个傻逼"},
	} {
		m.Source, m.ChatKind, m.Time = bot.SourceArchive, rules.ChatWork, now.Add(time.Duration(i)*time.Second)
		if _, err := e.pipeline.Process(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.st.SetChat(ctx, store.ChatInfo{ChatID: "wrdev", Name: "研发群", Kind: "work", Owner: "lisi"}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.SetChat(ctx, store.ChatInfo{ChatID: "wrquiet", Kind: "private"}); err != nil {
		t.Fatal(err)
	}
	if code, body := e.call("PUT", "/api/v1/directory", e.tokens["hr"], "zhangsan,张三\nlisi,李四\n"); code != 200 {
		t.Fatalf("import: %d %s", code, body)
	}
	code, body := e.call("GET", "/api/v1/groups", e.tokens["auditor"], "")
	var gs struct {
		Groups []struct {
			ChatID     string `json:"chat_id"`
			Name, Kind string
			SeenKind   string `json:"seen_kind"`
			Owner      string
			OwnerName  string `json:"owner_name"`
			Violations int
			People     int
		} `json:"groups"`
	}
	if err := json.Unmarshal([]byte(body), &gs); code != 200 || err != nil {
		t.Fatalf("groups: %d %s", code, body)
	}
	var order []string
	for _, g := range gs.Groups {
		order = append(order, g.ChatID)
	}
	if strings.Join(order, ",") != "wrsales,wrdev,wrquiet" {
		t.Fatalf("groups in order %v, want the unclassified wrsales first, then by violations", order)
	}
	sales, dev := gs.Groups[0], gs.Groups[1]
	if sales.Kind != "" || sales.SeenKind != "work" || sales.Violations < 2 || sales.People != 2 {
		t.Errorf("wrsales %+v", sales)
	}
	if dev.Name != "研发群" || dev.OwnerName != "李四" || dev.Violations != 1 {
		t.Errorf("wrdev %+v", dev)
	}
	if code, _ := e.call("GET", "/api/v1/groups", e.tokens["owner"], ""); code != 403 {
		t.Errorf("an owner lists every group: %d", code)
	}

	code, body = e.call("GET", "/api/v1/offenders?days=7", e.tokens["hr"], "")
	var of struct {
		Offenders []struct {
			User, Name string
			Violations int
			Categories map[string]int
		} `json:"offenders"`
	}
	if err := json.Unmarshal([]byte(body), &of); code != 200 || err != nil {
		t.Fatalf("offenders: %d %s", code, body)
	}
	if len(of.Offenders) != 1 || of.Offenders[0].User != "zhangsan" || of.Offenders[0].Name != "张三" ||
		of.Offenders[0].Violations != 2 || of.Offenders[0].Categories["abuse"] != 2 {
		t.Fatalf("offenders %+v, want zhangsan (张三) with two insults", of.Offenders)
	}
	if code, _ := e.call("GET", "/api/v1/offenders?days=0", e.tokens["hr"], ""); code != 400 {
		t.Errorf("days=0: %d", code)
	}
}
