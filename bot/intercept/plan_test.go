package intercept

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/rules"
)

func list(name string, mode rules.Intercept, words ...string) rules.List {
	l := rules.List{Name: name, Label: name, Intercept: mode}
	for _, w := range words {
		text, sev, _ := strings.Cut(w, "!")
		s, _ := rules.ParseSeverity(sev)
		l.Words = append(l.Words, rules.Word{Text: text, Severity: s})
	}
	return l
}

func numbered(prefix string, n int) []string {
	w := make([]string, n)
	for i := range w {
		w[i] = fmt.Sprintf("%s%03d", prefix, i)
	}
	return w
}

func TestBuild(t *testing.T) {
	rs := &rules.RuleSet{Categories: []rules.Category{
		{Name: "secrets", Label: "商业机密", Severity: rules.SeverityHigh, InterceptSemantics: []string{"phone", "email"},
			Lists: []rules.List{list("leak", rules.InterceptBlock, "内部报价", "机密文件!critical", strings.Repeat("长", 33), "内部报价")}},
		{Name: "ads", Label: "广告推销", Severity: rules.SeverityMedium,
			Lists: []rules.List{list("spam", rules.InterceptWarn, "刷单"), list("other", rules.InterceptOff, "兼职")}},
		{Name: "abuse", Label: "辱骂", Lists: []rules.List{list("x", rules.InterceptOff, "傻瓜")}},
	}}
	plan := Build(rs, 100)
	if len(plan.Rules) != 2 {
		t.Fatalf("rules %+v; want secrets/block and ads/warn", plan.Rules)
	}
	sec, ads := plan.Rules[0], plan.Rules[1]
	if sec.Key != "secrets/block/1" || sec.Name != "wg·商业机密" || sec.Type() != wecom.InterceptBlock {
		t.Errorf("secrets rule %+v", sec)
	}
	// Most severe first; a repeat once; the 33-character word left out.
	if !slices.Equal(sec.Words, []string{"机密文件", "内部报价"}) || !slices.Equal(sec.Semantics, []int{1, 2}) {
		t.Errorf("secrets words %v semantics %v", sec.Words, sec.Semantics)
	}
	if !slices.Equal(sec.Range.Departments, []int64{1}) || len(sec.Range.Users) != 0 {
		t.Errorf("range %+v; want the whole corp by default", sec.Range)
	}
	if ads.Name != "wg·广告推销·仅警告" || ads.Type() != wecom.InterceptWarn || !slices.Equal(ads.Words, []string{"刷单"}) {
		t.Errorf("ads rule %+v", ads)
	}
	if len(plan.LeftOut) != 1 || plan.LeftOut[0].Reason != ReasonTooLong || plan.LeftOut[0].List != "leak" {
		t.Errorf("left out %+v; want the long word", plan.LeftOut)
	}
	for _, r := range plan.Rules {
		if msg := wecom.CheckInterceptRule(r.Name, r.Words, r.Semantics, r.Type(), &r.Range); msg != "" {
			t.Errorf("rule %s breaks WeCom's limits: %s", r.Key, msg)
		}
	}
}

func TestBuildSplitsAndBudget(t *testing.T) {
	words := numbered("词", 650)
	words[649] += "!critical" // the last line is the most severe: it goes first
	rs := &rules.RuleSet{
		Company: rules.Company{InterceptUsers: []string{"zhangsan"}},
		Categories: []rules.Category{
			{Name: "illegal", Label: "违法违规内容非常长的一个分类名字", Severity: rules.SeverityHigh, Lists: []rules.List{list("a", rules.InterceptBlock, words...)}},
			{Name: "ads", Label: "广告推销", Severity: rules.SeverityLow, Lists: []rules.List{list("spam", rules.InterceptBlock, "刷单")}},
		}}
	plan := Build(rs, 100)
	if len(plan.Rules) != 4 {
		t.Fatalf("%d rules; want 650 words in 300+300+50 and ads", len(plan.Rules))
	}
	if n := []int{len(plan.Rules[0].Words), len(plan.Rules[1].Words), len(plan.Rules[2].Words)}; !slices.Equal(n, []int{300, 300, 50}) {
		t.Errorf("parts of %v words", n)
	}
	if plan.Rules[0].Words[0] != "词649" {
		t.Errorf("first word %q; want the critical one", plan.Rules[0].Words[0])
	}
	for _, r := range plan.Rules {
		if n := utf8.RuneCountInString(r.Name); n > wecom.MaxInterceptNameRunes || !strings.HasPrefix(r.Name, NamePrefix) {
			t.Errorf("name %q (%d characters)", r.Name, n)
		}
		if !slices.Equal(r.Range.Users, []string{"zhangsan"}) || len(r.Range.Departments) != 0 {
			t.Errorf("range %+v; want the policy's users only", r.Range)
		}
	}
	if plan.Rules[1].Name == plan.Rules[0].Name {
		t.Errorf("two parts share the name %q", plan.Rules[0].Name)
	}
	// Two rules of room: the low-severity ads rule and the last part go.
	plan = Build(rs, 2)
	var keys []string
	for _, r := range plan.Rules {
		keys = append(keys, r.Key)
	}
	if !slices.Equal(keys, []string{"illegal/block/1", "illegal/block/2"}) {
		t.Errorf("kept %v", keys)
	}
	if len(plan.LeftOut) != 51 || plan.LeftOut[0].Reason != ReasonRuleLimit || plan.LeftOut[50].Word != "刷单" {
		t.Errorf("left out %d words, last %+v; want 50 + 刷单 for the rule limit", len(plan.LeftOut), plan.LeftOut[len(plan.LeftOut)-1])
	}
	if plan := Build(rs, 0); len(plan.Rules) != 0 || len(plan.LeftOut) != 651 {
		t.Errorf("no room: %d rules, %d left out", len(plan.Rules), len(plan.LeftOut))
	}
}

func TestBuildDefaultPolicyHasNoInterceptByDefault(t *testing.T) {
	rs, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	if plan := Build(rs, 100); len(plan.Rules) != 0 {
		t.Errorf("the default policy plans %d rules; intercepting is HR's choice, off by default", len(plan.Rules))
	}
}
