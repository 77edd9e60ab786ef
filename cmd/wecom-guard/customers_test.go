package main

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/handover"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
)

func TestCustomersConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  CustomersConfig
		want string
	}{
		{CustomersConfig{Handover: true, HandoverDefaults: map[string]string{"2": "zhaoliu"}}, ""},
		{CustomersConfig{Handover: true, HandoverDefaults: map[string]string{"sales": "zhaoliu"}}, `"sales" is not a department id`},
		{CustomersConfig{Handover: true, HandoverDefaults: map[string]string{"2": " "}}, "department 2 has no successor"},
		{CustomersConfig{HandoverDefaults: map[string]string{"2": "zhaoliu"}}, "is off"},
	} {
		errs := tc.cfg.validate()
		switch {
		case tc.want == "" && len(errs) > 0:
			t.Errorf("%+v: %v", tc.cfg, errs)
		case tc.want != "" && (len(errs) != 1 || !strings.Contains(errs[0].Error(), tc.want)):
			t.Errorf("%+v: %v; want one error naming %q", tc.cfg, errs, tc.want)
		}
	}
	if d := (CustomersConfig{HandoverDefaults: map[string]string{" 2": "zhaoliu "}}).defaults(); d[2] != "zhaoliu" {
		t.Errorf("defaults %v", d)
	}
}

type passPipeline struct{ dup bool }

func (p passPipeline) HandleCallback(context.Context, *wecom.Message) (bot.Result, error) {
	return bot.Result{Duplicate: p.dup}, nil
}

// TestLeaverHookNotesDepartments: a delete_user event reaches the handover
// with the leaver's departments, so the department's default applies; a
// duplicate does not.
func TestLeaverHookNotesDepartments(t *testing.T) {
	fake := wecomtest.New(wecomtest.Config{CorpID: "wwcorp", Secret: "s", AgentID: 1})
	t.Cleanup(fake.Close)
	client, err := wecom.NewClient(wecom.ClientConfig{BaseURL: fake.URL(), CorpID: "wwcorp", Secret: "s", AgentID: 1, Tokens: &wecom.MemoryTokenStore{}})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := handover.New(handover.Config{Client: client, Store: storetest.New(t), Defaults: map[int64]string{3: "manager"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ev := &wecom.Message{MsgType: "event", Event: wecom.EventChangeContact, ChangeType: wecom.ChangeDeleteUser, UserID: "lisi", Department: "1, 3"}
	if _, err := (leaverHook{Pipeline: passPipeline{dup: true}, handovers: svc, log: zerolog.Nop()}).HandleCallback(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Get(ctx, "lisi"); err == nil {
		t.Error("a duplicate event was noted")
	}
	if _, err := (leaverHook{Pipeline: passPipeline{}, handovers: svc, log: zerolog.Nop()}).HandleCallback(ctx, ev); err != nil {
		t.Fatal(err)
	}
	h, err := svc.Get(ctx, "lisi")
	if err != nil || !slices.Equal(h.Departments, []int64{1, 3}) || h.Takeover != "manager" {
		t.Errorf("handover %+v, %v; want departments 1, 3 and the default successor", h, err)
	}
}
