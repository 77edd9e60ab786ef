package wecom_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
)

func TestInterceptRuleLifecycle(t *testing.T) {
	fake := newFake(t, nil)
	c := newClient(t, fake.URL(), nil, nil)
	ctx := context.Background()
	other := fake.SetInterceptRule(wecomtest.InterceptRule{Name: "管理员的规则", Words: []string{"外部"}, Type: 2, Range: wecomtest.InterceptRange{Departments: []int64{1}}})

	id, err := c.AddInterceptRule(ctx, wecom.InterceptRule{
		Name: "wg 商业机密", Words: []string{"机密文件", "内部报价"}, Semantics: []int{wecom.SemanticsPhone},
		Type: wecom.InterceptBlock, Range: wecom.InterceptRange{Departments: []int64{1}},
	})
	if err != nil {
		t.Fatalf("AddInterceptRule: %v", err)
	}
	list, err := c.InterceptRules(ctx)
	if err != nil || len(list) != 2 || list[0].ID != other || list[1].ID != id {
		t.Fatalf("InterceptRules = %+v, %v; want the console's rule and ours", list, err)
	}
	got, err := c.InterceptRule(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Words, []string{"机密文件", "内部报价"}) || !slices.Equal(got.Semantics, []int{1}) || got.Type != 1 || !slices.Equal(got.Range.Departments, []int64{1}) {
		t.Errorf("InterceptRule = %+v", got)
	}

	// update's body: extra_rule and a range changed by add and remove.
	err = c.UpdateInterceptRule(ctx, wecom.InterceptRuleUpdate{
		ID: id, Name: "wg 商业机密", Words: []string{"机密文件"}, Semantics: nil, Type: wecom.InterceptWarn,
		AddRange: wecom.InterceptRange{Users: []string{"zhangsan"}, Departments: []int64{2}}, RemoveRange: wecom.InterceptRange{Departments: []int64{1}},
	})
	if err != nil {
		t.Fatalf("UpdateInterceptRule: %v", err)
	}
	got, _ = c.InterceptRule(ctx, id)
	if !slices.Equal(got.Words, []string{"机密文件"}) || len(got.Semantics) != 0 || got.Type != 2 ||
		!slices.Equal(got.Range.Users, []string{"zhangsan"}) || !slices.Equal(got.Range.Departments, []int64{2}) {
		t.Errorf("after update: %+v; want one word, no semantics, warn, zhangsan and department 2", got)
	}
	if err := c.DeleteInterceptRule(ctx, id); err != nil {
		t.Fatal(err)
	}
	if rules := fake.InterceptRules(); len(rules) != 1 || rules[0].ID != other {
		t.Errorf("after delete: %+v; want only the console's rule", rules)
	}
	err = c.DeleteInterceptRule(ctx, id)
	if apiErr, ok := errors.AsType[*wecom.APIError](err); !ok || apiErr.Code != wecomtest.CodeInvalidParameter || !wecom.Permanent(err) {
		t.Errorf("delete of a deleted rule: %v; want a permanent 40058", err)
	}
}

// TestInterceptUpdateBodyDiffersFromAdd posts add's body shape to update
// and update's to add: the fake refuses both, as fields WeCom would ignore
// (semantics and range lost without a word).
func TestInterceptUpdateBodyDiffersFromAdd(t *testing.T) {
	fake := newFake(t, nil)
	c := newClient(t, fake.URL(), nil, nil)
	ctx := context.Background()
	id, err := c.AddInterceptRule(ctx, wecom.InterceptRule{Name: "r", Words: []string{"x"}, Type: 1, Range: wecom.InterceptRange{Departments: []int64{1}}})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	post := func(api, body string) string {
		resp, err := http.Post(fake.URL()+"/cgi-bin/"+api+"?access_token="+tok, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return b.String()
	}
	for _, tc := range []struct{ api, body string }{
		{wecomtest.APIUpdateInterceptRule, fmt.Sprintf(`{"rule_id":%q,"semantics_list":[1],"applicable_range":{"department_list":[2]}}`, id)},
		{wecomtest.APIAddInterceptRule, `{"rule_name":"s","word_list":["y"],"intercept_type":1,"extra_rule":{"semantics_list":[1]},"add_applicable_range":{"department_list":[1]}}`},
	} {
		if ans := post(tc.api, tc.body); !strings.Contains(ans, `"errcode":40058`) || !strings.Contains(ans, "unknown field") {
			t.Errorf("%s with the other call's body: %s; want 40058 naming the unknown field", tc.api, ans)
		}
	}
	// The client's own update body is accepted and changes the range.
	if err := c.UpdateInterceptRule(ctx, wecom.InterceptRuleUpdate{ID: id, Name: "r", Words: []string{"x"}, Semantics: []int{3}, Type: 1, AddRange: wecom.InterceptRange{Departments: []int64{2}}}); err != nil {
		t.Fatal(err)
	}
	if r := fake.InterceptRules()[0]; !slices.Equal(r.Semantics, []int{3}) || !slices.Equal(r.Range.Departments, []int64{1, 2}) {
		t.Errorf("after update: %+v", r)
	}
}

func TestInterceptLimits(t *testing.T) {
	fake := newFake(t, nil)
	c := newClient(t, fake.URL(), nil, nil)
	ctx := context.Background()
	all := wecom.InterceptRange{Departments: []int64{1}}
	words := func(n int) []string {
		w := make([]string, n)
		for i := range w {
			w[i] = fmt.Sprintf("词%d", i)
		}
		return w
	}
	// The client refuses what WeCom would, before sending.
	for _, tc := range []struct {
		name string
		r    wecom.InterceptRule
		want string
	}{
		{"301 words", wecom.InterceptRule{Name: "a", Words: words(301), Type: 1, Range: all}, "301 words"},
		{"33 characters", wecom.InterceptRule{Name: "a", Words: []string{strings.Repeat("字", 33)}, Type: 1, Range: all}, "33 characters"},
		{"long name", wecom.InterceptRule{Name: strings.Repeat("名", 21), Words: []string{"x"}, Type: 1, Range: all}, "21 characters"},
		{"no range", wecom.InterceptRule{Name: "a", Words: []string{"x"}, Type: 1}, "applies to no one"},
		{"type 3", wecom.InterceptRule{Name: "a", Words: []string{"x"}, Type: 3, Range: all}, "intercept type 3"},
		{"semantics 4", wecom.InterceptRule{Name: "a", Words: []string{"x"}, Semantics: []int{4}, Type: 1, Range: all}, "semantics 4"},
	} {
		_, err := c.AddInterceptRule(ctx, tc.r)
		if !errors.Is(err, wecom.ErrInvalidRequest) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want ErrInvalidRequest naming %q", tc.name, err, tc.want)
		}
	}
	if n := fake.Calls(wecomtest.APIAddInterceptRule); n != 0 {
		t.Errorf("%d add calls reached the fake; want none", n)
	}
	// 300 words of 32 characters fit; the fake holds 100 rules a corp.
	long := words(300)
	long[0] = strings.Repeat("字", 32)
	for i := range wecomtest.MaxInterceptRules {
		if _, err := c.AddInterceptRule(ctx, wecom.InterceptRule{Name: fmt.Sprintf("规则%d", i), Words: long, Type: 2, Range: all}); err != nil {
			t.Fatalf("rule %d: %v", i, err)
		}
	}
	_, err := c.AddInterceptRule(ctx, wecom.InterceptRule{Name: "规则101", Words: []string{"x"}, Type: 2, Range: all})
	if apiErr, ok := errors.AsType[*wecom.APIError](err); !ok || apiErr.Code != wecomtest.CodeInterceptRuleLimit || !strings.Contains(apiErr.Msg, "rule count") {
		t.Errorf("rule 101: %v; want the corp's rule limit", err)
	}
}

func TestHandoverCalls(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	fake := newFake(t, func(c *wecomtest.Config) { c.Now = clock })
	c := newClient(t, fake.URL(), nil, nil)
	ctx := context.Background()
	fake.SetLeaver("lisi", now.Add(-time.Hour), "wmA", "wmB", "wmC")
	fake.SetGroupChat(wecomtest.GroupChat{ChatID: "wrG1", Name: "客户群", Owner: "lisi"})
	fake.SetGroupChat(wecomtest.GroupChat{ChatID: "wrG2", Name: "别人的群", Owner: "wangwu"})

	page, next, err := c.UnassignedList(ctx, "")
	if err != nil || next != "" || len(page) != 3 || page[0].HandoverUserID != "lisi" || page[0].DimissionTime != now.Add(-time.Hour).Unix() {
		t.Fatalf("UnassignedList = %+v, %q, %v", page, next, err)
	}
	chats, _, err := c.GroupChatsOf(ctx, []string{"lisi"}, wecom.GroupChatResignedWaiting, "")
	if err != nil || len(chats) != 1 || chats[0].ChatID != "wrG1" {
		t.Fatalf("GroupChatsOf = %+v, %v", chats, err)
	}
	res, err := c.TransferResigned(ctx, "lisi", "zhaoliu", []string{"wmA", "wmB", "wmX"})
	if err != nil {
		t.Fatal(err)
	}
	want := []wecom.TransferResult{{ExternalUserID: "wmA"}, {ExternalUserID: "wmB"}, {ExternalUserID: "wmX", ErrCode: wecomtest.CodeNoRelation}}
	if !slices.Equal(res, want) {
		t.Errorf("TransferResigned = %+v, want %+v", res, want)
	}
	// A second call for the same customers is refused per customer.
	res, _ = c.TransferResigned(ctx, "lisi", "zhaoliu", []string{"wmA"})
	if len(res) != 1 || res[0].ErrCode != wecomtest.CodeInTransfer {
		t.Errorf("second transfer = %+v; want 40100", res)
	}
	if _, err := c.TransferResigned(ctx, "zhaoliu", "lisi", []string{"wmA"}); err == nil {
		t.Errorf("transfer from a member who did not leave: no error; want 40097")
	} else if apiErr, ok := errors.AsType[*wecom.APIError](err); !ok || apiErr.Code != wecomtest.CodeNotResigned {
		t.Errorf("transfer from a member who did not leave: %v; want 40097", err)
	}
	if _, err := c.TransferResigned(ctx, "lisi", "zhaoliu", make([]string, 101)); !errors.Is(err, wecom.ErrInvalidRequest) {
		t.Errorf("101 customers: %v; want refused before sending", err)
	}
	fake.DecideTransfer("lisi", "wmB", false)
	st, _, err := c.TransferResultPage(ctx, "lisi", "zhaoliu", "")
	if err != nil || len(st) != 2 || st[0].Status != wecom.TransferWaiting || st[1].Status != wecom.TransferRefused {
		t.Fatalf("TransferResultPage = %+v, %v; want wmA waiting, wmB refused", st, err)
	}
	now = now.Add(wecomtest.AcceptWindow)
	st, _, _ = c.TransferResultPage(ctx, "lisi", "zhaoliu", "")
	if st[0].Status != wecom.TransferDone || st[0].TakeoverTime != now.Unix() {
		t.Errorf("after 24 h: %+v; want wmA taken over when the window ended", st[0])
	}
	failed, err := c.TransferGroupChats(ctx, []string{"wrG1", "wrG2", "wrNone"}, "zhaoliu")
	if err != nil || len(failed) != 2 || failed[0].ErrCode != wecomtest.CodeOwnerNotResigned || failed[1].ErrCode != wecomtest.CodeChatNotFound {
		t.Errorf("TransferGroupChats = %+v, %v; want wrG2 (owner did not leave) and wrNone failed", failed, err)
	}
	if owner, _ := c.ExternalGroupChatOwner(ctx, "wrG1"); owner != "zhaoliu" {
		t.Errorf("owner of wrG1 = %q, want zhaoliu", owner)
	}
}
