package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
	"github.com/wecom-guard/wecom-guard/rules"
)

// TestGroupAndDirectoryNoticesAreDelivered follows issue 6's cases through
// the real sender to the fake WeCom API: `@bot 举报` reaches the group's
// owner, an insulting rename reaches HR, and a leaver's handover reaches HR
// and the leader — each masked.
func TestGroupAndDirectoryNoticesAreDelivered(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	h.fake.SetArchiveRoom(wecomtest.ArchiveRoom{RoomID: "wrteam", Creator: "owner5"})
	h.fake.SetUser(wecomtest.User{UserID: "leaver1", Name: "离职员工", DirectLeader: []string{"boss1"}})
	engine := defaultEngine(t)
	ai, err := bot.NewAIBot(bot.AIBotConfig{Pipeline: h.pipeline, Store: h.st, Policy: engine.RuleSet,
		KindOf: func(string) rules.ChatKind { return rules.ChatWork }})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := ai.HandleAIBot(ctx, aibotMsg(t, "rep1", "lisi", "wrteam", "@助手 举报", "客户电话13812345678，你个傻逼"))
	if err != nil || !strings.Contains(reply, "已转告群主") {
		t.Fatalf("report reply %q, %v", reply, err)
	}
	for _, ev := range []string{
		`<Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[update_user]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID><Name><![CDATA[老子天下第一]]></Name>`,
		`<Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[delete_user]]></ChangeType><UserID><![CDATA[leaver1]]></UserID>`,
	} {
		if _, err := h.pipeline.HandleCallback(ctx, contactEvent(t, ev)); err != nil {
			t.Fatal(err)
		}
	}
	// The leaver cannot be looked up any more; the sender knew the leader.
	h.drain(ctx, nil, h.sender("r1", nil))
	if dead, _ := h.st.DeadLetters(ctx, 10); len(dead) != 0 {
		t.Fatalf("dead letters: %+v", dead)
	}
	byUser := map[string][]string{}
	for _, m := range h.fake.Sent() {
		for _, u := range m.ToUser {
			byUser[u] = append(byUser[u], m.Content)
		}
	}
	all := ""
	for _, msgs := range byUser {
		all += strings.Join(msgs, "\n")
	}
	if len(byUser["owner5"]) != 1 || !strings.Contains(byUser["owner5"][0], "138****5678") {
		t.Errorf("owner5 got %q, want the masked report", byUser["owner5"])
	}
	hr := strings.Join(byUser["hr1"], "\n")
	if !strings.Contains(hr, "zhangsan") || !strings.Contains(hr, "leaver1") {
		t.Errorf("HR got %q, want the rename and the leaver's handover", hr)
	}
	for _, raw := range []string{"13812345678", "傻逼", "老子天下第一"} {
		if strings.Contains(all, raw) {
			t.Errorf("a delivered notice shows %q unmasked", raw)
		}
	}
	t.Logf("delivered to: owner5 %d, hr1 %d, boss1 %d", len(byUser["owner5"]), len(byUser["hr1"]), len(byUser["boss1"]))
}
