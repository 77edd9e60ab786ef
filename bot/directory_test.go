package bot_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/rules"
)

// contactEvent is a change_contact event as ParseMessage returns it.
func contactEvent(t *testing.T, xml string) *wecom.Message {
	t.Helper()
	m, err := wecom.ParseMessage([]byte("<xml><ToUserName><![CDATA[wwcorp]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>" +
		"<CreateTime>1764036000</CreateTime><MsgType><![CDATA[event]]></MsgType>" + xml + "</xml>"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDirectoryProfileName(t *testing.T) {
	tests := []struct {
		name       string
		xml        string
		wantNotice bool
		user       string
		evidence   []string
		hidden     []string
	}{
		{"insulting new name", `<Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[update_user]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID><Name><![CDATA[老子天下第一]]></Name>`,
			true, "zhangsan", []string{"姓名：老*"}, []string{"老子"}},
		{"abusive alias of a new member", `<Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[create_user]]></ChangeType><UserID><![CDATA[u2]]></UserID><Name><![CDATA[王五]]></Name><Alias><![CDATA[傻逼王]]></Alias>`,
			true, "u2", []string{"别名：傻*"}, []string{"傻逼"}},
		{"renamed userid", `<Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[update_user]]></ChangeType><UserID><![CDATA[old]]></UserID><NewUserID><![CDATA[new]]></NewUserID><Name><![CDATA[你爹]]></Name>`,
			true, "new", []string{"姓名：你*"}, []string{"你爹"}},
		{"ordinary name", `<Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[create_user]]></ChangeType><UserID><![CDATA[u3]]></UserID><Name><![CDATA[李爷爷]]></Name><Alias><![CDATA[Leo]]></Alias>`,
			false, "", nil, nil},
		{"update without a name", `<Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[update_user]]></ChangeType><UserID><![CDATA[u4]]></UserID><Department><![CDATA[1,2]]></Department>`,
			false, "", nil, nil},
		{"a department is not a profile", `<Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[create_party]]></ChangeType><Id>5</Id><Name><![CDATA[老子部]]></Name>`,
			false, "", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newBotEnv(t)
			ctx := context.Background()
			m := contactEvent(t, tc.xml)
			res, err := e.p.HandleDirectoryEvent(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			notices := ofKind(outbox(t, e.st), bot.ActProfileName)
			if got := len(notices) == 1; got != tc.wantNotice {
				t.Fatalf("%d HR notices, want notice=%v", len(notices), tc.wantNotice)
			}
			if !tc.wantNotice {
				return
			}
			if res.Verdict.Action < rules.ActionWarn {
				t.Errorf("verdict %v, want a warn", res.Verdict.Action)
			}
			a := notices[0]
			if a.From != tc.user || a.FromName != tc.user || a.ChatKind != "profile" {
				t.Errorf("notice = %+v", a)
			}
			if !slices.Equal(a.Evidence, tc.evidence) {
				t.Errorf("evidence %q, want %q", a.Evidence, tc.evidence)
			}
			for _, h := range tc.hidden {
				if strings.Contains(strings.Join(a.Evidence, ""), h) {
					t.Errorf("evidence %q shows %q unmasked", a.Evidence, h)
				}
			}
			// WeCom's retry changes nothing.
			again, err := e.p.HandleDirectoryEvent(ctx, m)
			if err != nil || !again.Duplicate {
				t.Errorf("retry: %+v, %v; want a duplicate", again, err)
			}
			if n := len(outbox(t, e.st)); n != 0 {
				t.Errorf("the retry queued %d more actions", n)
			}
		})
	}
}

func TestDirectoryDeleteUser(t *testing.T) {
	e := newBotEnv(t)
	ctx := context.Background()
	// What the sender cached when it last looked the leaver up.
	if err := e.st.CacheSet(ctx, "user:wangwu", wecom.User{UserID: "wangwu", Name: "王五", DirectLeader: []string{"boss"}}, time.Hour); err != nil {
		t.Fatal(err)
	}
	at := e.clock.t
	for _, c := range []store.Case{
		{ID: "C1", Opened: at, User: "wangwu", Category: "abuse"},
		{ID: "C2", Opened: at.Add(time.Minute), User: "someone", Category: "abuse"},
		{ID: "C3", Opened: at.Add(2 * time.Minute), User: "wangwu", Category: "ads"},
	} {
		if _, err := e.st.OpenCase(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	m := contactEvent(t, `<Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[delete_user]]></ChangeType><UserID><![CDATA[wangwu]]></UserID>`)
	if _, err := e.p.HandleDirectoryEvent(ctx, m); err != nil {
		t.Fatal(err)
	}
	acts := outbox(t, e.st)
	hr, leader := ofKind(acts, bot.ActHandoverHR), ofKind(acts, bot.ActHandoverLeader)
	if len(hr) != 1 || len(leader) != 1 {
		t.Fatalf("queued %+v, want one notice to HR and one to the leader", acts)
	}
	for _, a := range []bot.Action{hr[0], leader[0]} {
		if a.From != "wangwu" || a.FromName != "王五" || !slices.Equal(a.Evidence, []string{"C1", "C3"}) {
			t.Errorf("%s = %+v, want wangwu's open cases C1, C3", a.Kind, a)
		}
	}
	var cached string
	if ok, err := e.st.CacheGet(ctx, "leader:wangwu", &cached); err != nil || !ok || cached != "boss" {
		t.Errorf("leader cache = %q (ok=%v, err=%v), want boss", cached, ok, err)
	}

	// A leaver with no known leader: HR only. The event's own DirectLeader
	// wins over the cache when it is there.
	for _, tc := range []struct{ name, xml, leader string }{
		{"no leader", `<UserID><![CDATA[lonely]]></UserID>`, ""},
		{"leader in the event", `<UserID><![CDATA[zhao]]></UserID><DirectLeader><![CDATA[ma,boss]]></DirectLeader>`, "ma"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := contactEvent(t, `<Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[delete_user]]></ChangeType>`+tc.xml)
			if _, err := e.p.HandleDirectoryEvent(ctx, m); err != nil {
				t.Fatal(err)
			}
			acts := outbox(t, e.st)
			if len(ofKind(acts, bot.ActHandoverHR)) != 1 || len(ofKind(acts, bot.ActHandoverLeader)) != min(1, len(tc.leader)) {
				t.Errorf("queued %+v", acts)
			}
			if tc.leader != "" {
				var got string
				if _, err := e.st.CacheGet(ctx, "leader:"+acts[0].From, &got); err != nil || got != tc.leader {
					t.Errorf("leader = %q, %v; want %q", got, err, tc.leader)
				}
			}
		})
	}
}

func TestDirectoryChangeOwner(t *testing.T) {
	e := newBotEnv(t)
	ctx := context.Background()
	for _, k := range []string{"owner:external:wrCust", "owner:external:wrOther"} {
		if err := e.st.CacheSet(ctx, k, "old-owner", time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	m := contactEvent(t, `<Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[wrCust]]></ChatId><ChangeType><![CDATA[update]]></ChangeType><UpdateDetail><![CDATA[change_owner]]></UpdateDetail>`)
	if _, err := e.p.HandleDirectoryEvent(ctx, m); err != nil {
		t.Fatal(err)
	}
	var owner string
	if ok, err := e.st.CacheGet(ctx, "owner:external:wrCust", &owner); err != nil || ok {
		t.Errorf("owner still cached: %q (ok=%v, err=%v)", owner, ok, err)
	}
	if ok, _ := e.st.CacheGet(ctx, "owner:external:wrOther", &owner); !ok {
		t.Error("another group's owner was dropped")
	}
	// Other updates keep the cache.
	name := contactEvent(t, `<Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[wrOther]]></ChatId><ChangeType><![CDATA[update]]></ChangeType><UpdateDetail><![CDATA[change_name]]></UpdateDetail>`)
	if _, err := e.p.HandleDirectoryEvent(ctx, name); err != nil {
		t.Fatal(err)
	}
	if ok, _ := e.st.CacheGet(ctx, "owner:external:wrOther", &owner); !ok {
		t.Error("change_name dropped the owner")
	}
}

func TestDirectoryOtherEventsOnlyDeduplicated(t *testing.T) {
	e := newBotEnv(t)
	m := contactEvent(t, `<Event><![CDATA[enter_agent]]></Event>`)
	first, err := e.p.HandleDirectoryEvent(context.Background(), m)
	if err != nil || first.Duplicate {
		t.Fatalf("first: %+v, %v", first, err)
	}
	second, err := e.p.HandleDirectoryEvent(context.Background(), m)
	if err != nil || !second.Duplicate {
		t.Errorf("second: %+v, %v; want a duplicate", second, err)
	}
	if n := len(outbox(t, e.st)); n != 0 {
		t.Errorf("%d actions queued", n)
	}
}
