package rules

import (
	"slices"
	"strings"
	"testing"
)

func TestLoadDirIntercept(t *testing.T) {
	policy := replace(t, "  - name: bad\n", "  - name: bad\n    intercept: block\n    intercept_semantics: [phone, red_packet, phone]\n")
	policy = replace2(t, policy, "  - name: spam\n", "  - name: spam\n    intercept_lists: {ads: warn}\n")
	policy = replace2(t, policy, "  url_allow_domains: [example.com]\n", "  url_allow_domains: [example.com]\n  intercept_users: [zhangsan]\n  intercept_departments: [2, 3]\n")
	rs, err := LoadDir(policyFS(policy, "lists/bad/more.txt", "洗钱\n"))
	if err != nil {
		t.Fatalf("LoadDir: %v", err)
	}
	got := map[string]Intercept{}
	for _, c := range rs.Categories {
		for _, l := range c.Lists {
			got[c.Name+"/"+l.Name] = l.Intercept
		}
		if c.Name == "bad" && !slices.Equal(c.InterceptSemantics, []string{"phone", "red_packet"}) {
			t.Errorf("bad: semantics %v, want [phone red_packet] (a repeat read once)", c.InterceptSemantics)
		}
	}
	for name, want := range map[string]Intercept{"bad/words": InterceptBlock, "bad/more": InterceptBlock, "spam/ads": InterceptWarn, "profile_name/company": InterceptOff} {
		if got[name] != want {
			t.Errorf("%s: intercept %v, want %v", name, got[name], want)
		}
	}
	if !slices.Equal(rs.Company.InterceptUsers, []string{"zhangsan"}) || !slices.Equal(rs.Company.InterceptDepartments, []int64{2, 3}) {
		t.Errorf("range: users %v departments %v", rs.Company.InterceptUsers, rs.Company.InterceptDepartments)
	}

	// A list can be taken out of its category's mode.
	off := replace2(t, policy, "intercept: block\n", "intercept: block\n    intercept_lists: {more: off}\n")
	rs, err = LoadDir(policyFS(off, "lists/bad/more.txt", "洗钱\n"))
	if err != nil {
		t.Fatalf("LoadDir: %v", err)
	}
	for _, l := range rs.Categories[0].Lists {
		if want := map[string]Intercept{"words": InterceptBlock, "more": InterceptOff}[l.Name]; l.Intercept != want {
			t.Errorf("bad/%s: %v, want %v", l.Name, l.Intercept, want)
		}
	}

	for _, tc := range []struct{ from, to, want string }{
		{"  - name: bad\n", "  - name: bad\n    intercept: stop\n", `intercept "stop" is not a mode; write block`},
		{"  - name: spam\n", "  - name: spam\n    intercept_lists: {nope: block}\n", `intercept_lists names "nope" but there is no lists/spam/nope.txt`},
		{"  - name: spam\n", "  - name: spam\n    intercept_lists: {ads: yes}\n", `intercept_lists gives "ads" the mode "yes"`},
		{"  - name: spam\n", "  - name: spam\n    intercept_semantics: [qq]\n", `intercept_semantics "qq" is not one of WeCom's checks`},
		{"company:\n", "company:\n  intercept_departments: [0]\n", "intercept_departments entry 0 is not a department id"},
		{"company:\n", "company:\n  intercept_users: [\"a b\"]\n", `intercept_users entry "a b" is not a userid`},
	} {
		_, err := LoadDir(policyFS(replace(t, tc.from, tc.to)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want an error containing %q", tc.to, err, tc.want)
		}
	}
}

func replace2(t *testing.T, s, from, to string) string {
	t.Helper()
	if !strings.Contains(s, from) {
		t.Fatalf("%q not in the policy", from)
	}
	return strings.Replace(s, from, to, 1)
}
