package intercept_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot/intercept"
	"github.com/wecom-guard/wecom-guard/bot/outcall"
	"github.com/wecom-guard/wecom-guard/bot/outcall/outcalltest"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
	"github.com/wecom-guard/wecom-guard/rules"
)

type env struct {
	t     *testing.T
	fake  *wecomtest.Server
	store *store.Store
	sync  *intercept.Syncer
	out   *outcalltest.Sender
	files map[string][]byte
}

func defaultFiles(t *testing.T) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := fs.WalkDir(rules.DefaultFS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files[p], err = fs.ReadFile(rules.DefaultFS(), p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// mark adds key: value under the category name in policy.yaml.
func mark(t *testing.T, files map[string][]byte, category, line string) {
	t.Helper()
	p := string(files["policy.yaml"])
	anchor := "  - name: " + category + "\n"
	if !strings.Contains(p, anchor) {
		t.Fatalf("no category %s", category)
	}
	files["policy.yaml"] = []byte(strings.Replace(p, anchor, anchor+"    "+line+"\n", 1))
}

func newEnv(t *testing.T, mod func(*intercept.Config)) *env {
	t.Helper()
	fake := wecomtest.New(wecomtest.Config{CorpID: "wwcorp", Secret: "s", AgentID: 1000002})
	t.Cleanup(fake.Close)
	c, err := wecom.NewClient(wecom.ClientConfig{BaseURL: fake.URL(), CorpID: "wwcorp", Secret: "s", AgentID: 1000002, Tokens: &wecom.MemoryTokenStore{}})
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.New(t)
	files := defaultFiles(t)
	if _, err := st.SeedRules(context.Background(), files); err != nil {
		t.Fatal(err)
	}
	cfg := intercept.Config{Client: c, Store: st, Logger: zerolog.Nop(), Poll: 20 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	s, err := intercept.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := outcalltest.New(t, outcalltest.Config{Store: st, API: c, Calls: map[string]outcall.Handler{intercept.CallName: s.Handler()}})
	return &env{t: t, fake: fake, store: st, sync: s, out: out, files: files}
}

// syncNow plans and lets the sender make the plan's calls.
func (e *env) syncNow(ctx context.Context) error {
	err := e.sync.Sync(ctx)
	e.out.Drain(e.t)
	return err
}

func (e *env) save(t *testing.T) {
	t.Helper()
	if _, err := e.store.SaveRules(context.Background(), e.files, -1); err != nil {
		t.Fatal(err)
	}
}

func (e *env) report(t *testing.T) intercept.Report {
	t.Helper()
	r, err := intercept.Status(context.Background(), e.store)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func calls(f *wecomtest.Server) [3]int {
	return [3]int{f.Calls(wecomtest.APIAddInterceptRule), f.Calls(wecomtest.APIUpdateInterceptRule), f.Calls(wecomtest.APIDelInterceptRule)}
}

func ruleNamed(f *wecomtest.Server, name string) (wecomtest.InterceptRule, bool) {
	for _, r := range f.InterceptRules() {
		if r.Name == name {
			return r, true
		}
	}
	return wecomtest.InterceptRule{}, false
}

func TestSyncIsADiff(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	console := e.fake.SetInterceptRule(wecomtest.InterceptRule{Name: "管理员规则", Words: []string{"返现"}, Type: 2, Range: wecomtest.InterceptRange{Departments: []int64{1}}})
	if r := e.report(t); r.Status != intercept.StatusPending {
		t.Errorf("before the first sync: %q, want pending", r.Status)
	}
	mark(t, e.files, "secrets", "intercept: block")
	mark(t, e.files, "customer_data", "intercept: block")
	mark(t, e.files, "customer_data", "intercept_semantics: [phone, email]")
	e.save(t)
	if err := e.syncNow(ctx); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if got := calls(e.fake); got != [3]int{2, 0, 0} {
		t.Errorf("add/update/del calls %v; want two adds", got)
	}
	sec, ok := ruleNamed(e.fake, "wg·商业机密")
	if !ok || sec.Type != wecom.InterceptBlock || len(sec.Words) == 0 || !slices.Equal(sec.Range.Departments, []int64{1}) {
		t.Fatalf("secrets rule %+v, %v", sec, ok)
	}
	if cd, _ := ruleNamed(e.fake, "wg·客户信息/个人隐私"); !slices.Equal(cd.Semantics, []int{1, 2}) {
		t.Errorf("customer_data semantics %v; want phone and e-mail", cd.Semantics)
	}
	r := e.report(t)
	if r.Status != intercept.StatusInStep || r.Version != r.Current || len(r.Rules) != 2 || r.Foreign != 1 {
		t.Errorf("report %+v", r)
	}

	// Nothing changed: nothing is sent.
	if err := e.syncNow(ctx); err != nil {
		t.Fatal(err)
	}
	if got := calls(e.fake); got != [3]int{2, 0, 0} {
		t.Errorf("a sync without change sent %v", got)
	}

	// HR adds a word to secrets, marks ads warn and unmarks customer_data:
	// one update, one add, one delete; the console's rule untouched.
	e.files["lists/secrets/leak.txt"] = append(e.files["lists/secrets/leak.txt"], []byte("\n季度营收预测\n")...)
	mark(t, e.files, "ads", "intercept: warn")
	e.files["policy.yaml"] = []byte(strings.Replace(string(e.files["policy.yaml"]), "  - name: customer_data\n    intercept_semantics: [phone, email]\n    intercept: block\n", "  - name: customer_data\n", 1))
	e.save(t)
	if r := e.report(t); r.Status != intercept.StatusPending {
		t.Errorf("after an HR change: %q, want pending", r.Status)
	}
	if err := e.syncNow(ctx); err != nil {
		t.Fatal(err)
	}
	if got := calls(e.fake); got != [3]int{3, 1, 1} {
		t.Errorf("add/update/del calls %v; want one more of each", got)
	}
	sec, _ = ruleNamed(e.fake, "wg·商业机密")
	if !slices.Contains(sec.Words, "季度营收预测") {
		t.Errorf("the new word is not in WeCom's rule: %v", sec.Words)
	}
	if ads, ok := ruleNamed(e.fake, "wg·广告推销·仅警告"); !ok || ads.Type != wecom.InterceptWarn {
		t.Errorf("ads rule %+v, %v", ads, ok)
	}
	if _, ok := ruleNamed(e.fake, "wg·客户信息/个人隐私"); ok {
		t.Error("the unmarked category's rule is still in WeCom")
	}
	if _, ok := ruleNamed(e.fake, "管理员规则"); !ok || len(e.fake.InterceptRules()) != 3 {
		t.Errorf("rules %+v; want the console's rule kept", e.fake.InterceptRules())
	}
	_ = console
}

func TestSyncRangeChangeUsesAddAndRemove(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	mark(t, e.files, "secrets", "intercept: block")
	e.save(t)
	if err := e.syncNow(ctx); err != nil {
		t.Fatal(err)
	}
	p := strings.Replace(string(e.files["policy.yaml"]), "company:\n", "company:\n  intercept_departments: [2]\n  intercept_users: [zhangsan]\n", 1)
	e.files["policy.yaml"] = []byte(p)
	e.save(t)
	if err := e.syncNow(ctx); err != nil {
		t.Fatal(err)
	}
	sec, _ := ruleNamed(e.fake, "wg·商业机密")
	if !slices.Equal(sec.Range.Departments, []int64{2}) || !slices.Equal(sec.Range.Users, []string{"zhangsan"}) {
		t.Errorf("range %+v; want department 2 and zhangsan (1 removed)", sec.Range)
	}
	if got := calls(e.fake); got != [3]int{1, 1, 0} {
		t.Errorf("calls %v; want one add and one update", got)
	}
}

func TestSyncRemakesRulesDeletedInConsole(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	mark(t, e.files, "secrets", "intercept: block")
	e.save(t)
	if err := e.syncNow(ctx); err != nil {
		t.Fatal(err)
	}
	sec, _ := ruleNamed(e.fake, "wg·商业机密")
	e.fake.RemoveInterceptRule(sec.ID)
	if err := e.syncNow(ctx); err != nil {
		t.Fatal(err)
	}
	again, ok := ruleNamed(e.fake, "wg·商业机密")
	if !ok || again.ID == sec.ID {
		t.Errorf("rule %+v, %v; want it made again", again, ok)
	}
}

// TestSyncLostAddReplyMakesNoDuplicate: the add took effect but its answer
// was lost; the outbox's retry adopts the rule by its name instead of
// adding again.
func TestSyncLostAddReplyMakesNoDuplicate(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	mark(t, e.files, "secrets", "intercept: block")
	e.save(t)
	e.fake.SetFaults(wecomtest.Faults{LostReply: 1, Times: 1, APIs: []string{wecomtest.APIAddInterceptRule}})
	if err := e.sync.Sync(ctx); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if _, err := e.out.Sender.Round(ctx); err != nil { // one round: the add, answered 502
		t.Fatal(err)
	}
	e.out.WaitCalls() // made beside the round
	r := e.report(t)
	if r.Status != intercept.StatusFailed || r.Attempts != 1 || r.NextTry.IsZero() || !strings.Contains(r.Error, "502") || r.Dead {
		t.Errorf("after the lost reply: %+v", r)
	}
	e.out.Drain(t)
	if n := len(e.fake.InterceptRules()); n != 1 {
		t.Errorf("%d rules in WeCom; want the one, adopted", n)
	}
	if n := e.fake.Calls(wecomtest.APIAddInterceptRule); n != 1 {
		t.Errorf("%d adds; want the lost one only", n)
	}
	if r := e.report(t); r.Status != intercept.StatusInStep || r.Changes.Adopted != 1 || r.Version != r.Current {
		t.Errorf("after the retry: %+v", r)
	}
}

// TestSyncRetriedThroughTheOutbox: WeCom is busy three times; the outbox
// retries with backoff and the rule is made exactly once.
func TestSyncRetriedThroughTheOutbox(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	mark(t, e.files, "secrets", "intercept: block")
	e.save(t)
	e.fake.SetFaults(wecomtest.Faults{Busy: 1, Times: 3, APIs: []string{wecomtest.APIAddInterceptRule}})
	if err := e.syncNow(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Calls(wecomtest.APIAddInterceptRule); n != 4 {
		t.Errorf("%d add requests; want 3 refused and 1 made", n)
	}
	if n := len(e.fake.InterceptRules()); n != 1 {
		t.Errorf("%d rules in WeCom; want exactly one", n)
	}
	if d := e.out.Dead(t); len(d) != 0 {
		t.Errorf("dead letters %+v", d)
	}
	r := e.report(t)
	if r.Status != intercept.StatusInStep || r.Changes.Added != 1 || r.Changes.Adopted != 0 || len(r.Rules) != 1 || len(r.Calls) != 0 {
		t.Errorf("report %+v", r)
	}
	// Delivered again (a crash before the acknowledgement): nothing sent.
	if err := e.syncNow(ctx); err != nil {
		t.Fatal(err)
	}
	if got := calls(e.fake); got != [3]int{4, 0, 0} {
		t.Errorf("calls %v after a sync without change", got)
	}
}

// TestSyncDeadLetterShowsErrCode: WeCom refuses the add for good; the
// entry goes to the dead letters and the state shows the errcode.
func TestSyncDeadLetterShowsErrCode(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	mark(t, e.files, "secrets", "intercept: block")
	e.save(t)
	e.fake.SetFaults(wecomtest.Faults{Refused: 1, Errcode: 40058, APIs: []string{wecomtest.APIAddInterceptRule}})
	if err := e.syncNow(ctx); err != nil {
		t.Fatal(err)
	}
	dead := e.out.Dead(t)
	if len(dead) != 1 || !strings.Contains(dead[0].Reason, "40058") {
		t.Fatalf("dead letters %+v; want the add, refused with 40058", dead)
	}
	r := e.report(t)
	if r.Status != intercept.StatusFailed || r.ErrCode != 40058 || !r.Dead || r.Attempts != 1 || len(r.Rules) != 0 {
		t.Errorf("report %+v; want failed with errcode 40058, given up", r)
	}
	if n := e.fake.Calls(wecomtest.APIAddInterceptRule); n != 1 {
		t.Errorf("%d adds; a refusal is not retried", n)
	}
	// WeCom accepts again: the next plan (after Verify) makes the rule.
	e.fake.SetFaults(wecomtest.Faults{})
	if err := e.syncNow(ctx); err != nil {
		t.Fatal(err)
	}
	if r := e.report(t); r.Status != intercept.StatusInStep || r.Dead || r.ErrCode != 0 || len(e.fake.InterceptRules()) != 1 {
		t.Errorf("after the next plan: %+v", r)
	}
}

func TestSyncReportsWhatDidNotFit(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	for i := range wecomtest.MaxInterceptRules - 1 {
		e.fake.SetInterceptRule(wecomtest.InterceptRule{Name: "console" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Words: []string{"x"}, Type: 2, Range: wecomtest.InterceptRange{Departments: []int64{1}}})
	}
	mark(t, e.files, "secrets", "intercept: block")
	mark(t, e.files, "illegal", "intercept: block")
	e.save(t)
	if err := e.syncNow(ctx); err != nil {
		t.Fatal(err)
	}
	r := e.report(t)
	if len(r.Rules) != 1 || r.Foreign != 99 || len(e.fake.InterceptRules()) != wecomtest.MaxInterceptRules {
		t.Fatalf("rules %d, foreign %d, in WeCom %d; want one of ours in the last place", len(r.Rules), r.Foreign, len(e.fake.InterceptRules()))
	}
	if len(r.LeftOut) == 0 || r.LeftOut[0].Reason != intercept.ReasonRuleLimit {
		t.Errorf("left out %+v; want the other category's words for the rule limit", r.LeftOut)
	}
}

// TestSyncAddWaitsForDeletes: with the corp's 100 rules full, a plan that
// swaps one of ours for another deletes first; when the delete must be
// retried, the add waits for it rather than being refused by the limit.
func TestSyncAddWaitsForDeletes(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	for i := range wecomtest.MaxInterceptRules - 1 {
		e.fake.SetInterceptRule(wecomtest.InterceptRule{Name: "console" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Words: []string{"x"}, Type: 2, Range: wecomtest.InterceptRange{Departments: []int64{1}}})
	}
	mark(t, e.files, "secrets", "intercept: block")
	e.save(t)
	if err := e.syncNow(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := ruleNamed(e.fake, "wg·商业机密"); !ok {
		t.Fatal("the secrets rule was not made")
	}
	e.files["policy.yaml"] = []byte(strings.Replace(string(e.files["policy.yaml"]), "  - name: secrets\n    intercept: block\n", "  - name: secrets\n", 1))
	mark(t, e.files, "illegal", "intercept: block")
	e.save(t)
	e.fake.SetFaults(wecomtest.Faults{Busy: 1, Times: 1, APIs: []string{wecomtest.APIDelInterceptRule}})
	if err := e.syncNow(ctx); err != nil {
		t.Fatal(err)
	}
	if d := e.out.Dead(t); len(d) != 0 {
		t.Fatalf("dead letters %+v; the add must wait for the delete", d)
	}
	_, secrets := ruleNamed(e.fake, "wg·商业机密")
	var ours []string
	for _, r := range e.fake.InterceptRules() {
		if strings.HasPrefix(r.Name, intercept.NamePrefix) {
			ours = append(ours, r.Name)
		}
	}
	if len(ours) != 1 || secrets || len(e.fake.InterceptRules()) != wecomtest.MaxInterceptRules {
		t.Errorf("rules %d, ours %v; want the illegal rule in the secrets rule's place", len(e.fake.InterceptRules()), ours)
	}
	if r := e.report(t); r.Status != intercept.StatusInStep {
		t.Errorf("report %+v", r)
	}
}

func TestRunFollowsHRChangesOnOneReplica(t *testing.T) {
	e := newEnv(t, nil)
	other, err := intercept.New(intercept.Config{Client: failingClient{t}, Store: e.store, Logger: zerolog.Nop(), Poll: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go e.sync.Run(ctx)
	go func() { _ = e.out.Sender.Run(ctx) }() // the sender makes the planned calls
	deadline := time.Now().Add(10 * time.Second)
	for e.report(t).Status != intercept.StatusInStep {
		if time.Now().After(deadline) {
			t.Fatal("the first sync did not run")
		}
		time.Sleep(10 * time.Millisecond)
	}
	go other.Run(ctx) // a second replica: the lease keeps it idle
	mark(t, e.files, "ads", "intercept: warn")
	e.save(t)
	for {
		if _, ok := ruleNamed(e.fake, "wg·广告推销·仅警告"); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the HR change did not reach WeCom: %+v", e.report(t))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// failingClient fails the test if the replica without the lease calls WeCom.
type failingClient struct{ t *testing.T }

func (f failingClient) AddInterceptRule(context.Context, wecom.InterceptRule) (string, error) {
	f.t.Error("a second replica added a rule")
	return "", nil
}
func (f failingClient) InterceptRules(context.Context) ([]wecom.InterceptRuleInfo, error) {
	f.t.Error("a second replica listed the rules")
	return nil, nil
}
func (f failingClient) UpdateInterceptRule(context.Context, wecom.InterceptRuleUpdate) error {
	f.t.Error("a second replica updated a rule")
	return nil
}
func (f failingClient) DeleteInterceptRule(context.Context, string) error {
	f.t.Error("a second replica deleted a rule")
	return nil
}

var _ intercept.Client = failingClient{}

// TestSyncRedeliveryAfterADeadDeliveryMakesNoSecondAdd: a delivery claims
// the rule, WeCom makes it, and the replica dies before recording it. The
// outbox hands the entry, still at attempt 0, to another replica (after
// ClaimIdle); that delivery must not add the rule again while the claim
// may be a live delivery's, and once the claim is stale it looks first and
// adopts the rule WeCom holds.
func TestSyncRedeliveryAfterADeadDeliveryMakesNoSecondAdd(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newEnv(t, func(c *intercept.Config) { c.Now = clock })
	ctx := context.Background()
	mark(t, e.files, "secrets", "intercept: block")
	e.save(t)
	if err := e.sync.Sync(ctx); err != nil { // planned and queued, not delivered
		t.Fatal(err)
	}
	r := e.report(t)
	if len(r.Calls) != 1 {
		t.Fatalf("calls %+v; want the one add", r.Calls)
	}
	var key string
	var call intercept.Call
	for key, call = range r.Calls {
	}
	// The dead delivery: its claim, and the rule WeCom made for it.
	if err := e.store.UpdateInterceptState(ctx, func(old []byte) ([]byte, error) {
		var st intercept.State
		if err := json.Unmarshal(old, &st); err != nil {
			return nil, err
		}
		if st.Claims == nil {
			st.Claims = map[string]intercept.Claim{}
		}
		st.Claims[call.Rule] = intercept.Claim{Call: key, Since: clock()}
		return json.Marshal(st)
	}); err != nil {
		t.Fatal(err)
	}
	c, err := wecom.NewClient(wecom.ClientConfig{BaseURL: e.fake.URL(), CorpID: "wwcorp", Secret: "s", AgentID: 1000002, Tokens: &wecom.MemoryTokenStore{}})
	if err != nil {
		t.Fatal(err)
	}
	w := call.Want
	if _, err := c.AddInterceptRule(ctx, wecom.InterceptRule{Name: w.Name, Words: w.Words, Semantics: w.Semantics, Type: w.Type(), Range: w.Range}); err != nil {
		t.Fatal(err)
	}
	// Redelivered at attempt 0 while the claim is fresh: nothing sent.
	e.out.Round(t)
	if n := e.fake.Calls(wecomtest.APIAddInterceptRule); n != 1 {
		t.Errorf("%d adds; want only the dead delivery's", n)
	}
	// Past the claim's life: the rule is found and adopted.
	mu.Lock()
	now = now.Add(3 * time.Minute)
	mu.Unlock()
	e.out.Drain(t)
	if d := e.out.Dead(t); len(d) != 0 {
		t.Errorf("dead letters %+v", d)
	}
	if n := e.fake.Calls(wecomtest.APIAddInterceptRule); n != 1 {
		t.Errorf("%d adds; want only the dead delivery's", n)
	}
	if n := len(e.fake.InterceptRules()); n != 1 {
		t.Errorf("%d rules in WeCom; want one", n)
	}
	if r := e.report(t); r.Status != intercept.StatusInStep || r.Changes.Adopted != 1 || len(r.Claims) != 0 {
		t.Errorf("report %+v; want in step with the rule adopted", r)
	}
}

// TestSyncStrayDeleteIsDescribedByName: a rule of ours no plan wants (an
// add whose answer was lost, then the rule set changed) is deleted; the
// call reads, for HR on the intercept page and 发送失败, with the rule's
// name, never WeCom's rule id.
func TestSyncStrayDeleteIsDescribedByName(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	id := e.fake.SetInterceptRule(wecomtest.InterceptRule{Name: intercept.NamePrefix + "旧规则", Words: []string{"x"}, Type: 2, Range: wecomtest.InterceptRange{Departments: []int64{1}}})
	if err := e.sync.Sync(ctx); err != nil { // planned, not delivered
		t.Fatal(err)
	}
	r := e.report(t)
	if len(r.Calls) != 1 {
		t.Fatalf("calls %+v; want the stray's delete", r.Calls)
	}
	for _, c := range r.Calls {
		if d := c.Describe(r.Rules); strings.Contains(d, id) || !strings.Contains(d, "「"+intercept.NamePrefix+"旧规则」") {
			t.Errorf("the stray's delete reads %q; want its name, not the id %s", d, id)
		}
	}
	e.out.Drain(t)
	if n := len(e.fake.InterceptRules()); n != 0 {
		t.Errorf("%d rules left; want the stray deleted", n)
	}
}
