package rules

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"

	"github.com/wecom-guard/wecom-guard/moderation"
)

func TestDefaultPolicy(t *testing.T) {
	rs, err := Default()
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	wantCats := []string{"secrets", "customer_data", "illegal", "ads", "abuse", "off_topic", "profile_name"}
	for _, name := range wantCats {
		t.Run(name, func(t *testing.T) {
			for _, c := range rs.Categories {
				if c.Name == name {
					return
				}
			}
			t.Errorf("default policy has no category %q", name)
		})
	}
	for _, c := range rs.Categories {
		if c.Name == "profile_name" {
			continue
		}
		words := 0
		for _, l := range c.Lists {
			words += len(l.Words)
		}
		if words < 10 {
			t.Errorf("category %s has %d words, want a starter list of at least 10", c.Name, words)
		}
	}
	if _, err := Compile(rs); err != nil {
		t.Fatalf("Compile(Default()): %v", err)
	}
	again, err := LoadDir(DefaultFS())
	if err != nil || len(again.Rules) != len(rs.Rules) {
		t.Fatalf("LoadDir(DefaultFS()): %v, %d rules, want %d", err, len(again.Rules), len(rs.Rules))
	}
}

// policyFS is a small valid rule directory; tests replace policy.yaml or
// add files.
func policyFS(policy string, extra ...string) fstest.MapFS {
	fsys := fstest.MapFS{
		"policy.yaml":            {Data: []byte(policy)},
		"lists/bad/words.txt":    {Data: []byte("# bad words\n赌博\n冰毒\tcritical\tdrugs\n\n大麻\n")},
		"lists/spam/ads.txt":     {Data: []byte("刷单\n兼职日结\n")},
		"lists/allow/common.txt": {Data: []byte("大麻烦\n")},
	}
	for i := 0; i+1 < len(extra); i += 2 {
		fsys[extra[i]] = &fstest.MapFile{Data: []byte(extra[i+1])}
	}
	return fsys
}

const validPolicy = `version: 1
company:
  names: [示例科技]
  url_allow_domains: [example.com]
categories:
  - name: bad
    severity: high
  - name: spam
  - name: profile_name
rules:
  - id: bad-all
    match:
      categories: [bad]
    action: alert_owner
  - id: spam-work
    match:
      lists: [spam/ads]
    where:
      chat_kinds: [work]
      time: ["Mon-Fri 09:00-18:00"]
    severity: low
    action: warn
    allow: [刷单软件]
  - id: phone
    category: bad
    match:
      detectors: [phone]
    action: log
`

func TestLoadDir(t *testing.T) {
	rs, err := LoadDir(policyFS(validPolicy))
	if err != nil {
		t.Fatalf("LoadDir: %v", err)
	}
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"version", rs.Version, 1},
		{"categories", len(rs.Categories), 3},
		{"bad severity", rs.Categories[0].Severity, SeverityHigh},
		{"spam default severity", rs.Categories[1].Severity, SeverityMedium},
		{"bad lists", len(rs.Categories[0].Lists), 1},
		{"bad words", len(rs.Categories[0].Lists[0].Words), 3},
		{"word severity", rs.Categories[0].Lists[0].Words[1].Severity, SeverityCritical},
		{"word note", rs.Categories[0].Lists[0].Words[1].Note, "drugs"},
		{"word line", rs.Categories[0].Lists[0].Words[2].Line, 5},
		{"company list", rs.Categories[2].Lists[0].Name, "company"},
		{"company word", rs.Categories[2].Lists[0].Words[0].Text, "示例科技"},
		{"global allow", len(rs.Allow), 1},
		{"rules", len(rs.Rules), 3},
		{"rule action", rs.Rules[1].Action, ActionWarn},
		{"rule chat kinds", len(rs.Rules[1].ChatKinds), 1},
		{"rule windows", len(rs.Rules[1].Windows), 1},
		{"rule allow", rs.Rules[1].Allow[0], "刷单软件"},
		{"rule category from match", rs.Rules[0].Category, "bad"},
		{"rule category explicit", rs.Rules[2].Category, "bad"},
		{"detector", rs.Rules[2].Detectors[0], moderation.KindPhone},
		{"url domains", rs.Company.URLAllowDomains[0], "example.com"},
		{"time zone", rs.Company.Location.String(), "Asia/Shanghai"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %v, want %v", tc.got, tc.want)
			}
		})
	}
}

// TestLoadDirDropInList checks that a new file in a category folder is
// enforced without touching policy.yaml.
func TestLoadDirDropInList(t *testing.T) {
	rs, err := LoadDir(policyFS(validPolicy, "lists/bad/more.txt", "六合彩\n"))
	if err != nil {
		t.Fatalf("LoadDir: %v", err)
	}
	e, err := Compile(rs)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	v := e.Evaluate("买六合彩", Context{ChatKind: ChatWork})
	if len(v.Hits) != 1 || v.Hits[0].List != "bad/more" || v.Hits[0].Rule != "bad-all" {
		t.Fatalf("got %+v, want one hit of bad-all from list bad/more", v.Hits)
	}
}

// replace returns validPolicy with old replaced by new, failing if old is
// not in it.
func replace(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(validPolicy, old) {
		t.Fatalf("validPolicy has no %q", old)
	}
	return strings.Replace(validPolicy, old, new, 1)
}

func TestLoadDirProblems(t *testing.T) {
	tests := []struct {
		name   string
		policy func(t *testing.T) string
		extra  []string
		want   []string // each must appear in the error
	}{
		{
			name:   "unknown detector",
			policy: func(t *testing.T) string { return replace(t, "detectors: [phone]", "detectors: [phon]") },
			want:   []string{`policy.yaml:27: rule "phone": unknown detector "phon" (known: phone, id_card, bank_card, email, url, wechat_id, address, customer_record, document)`},
		},
		{
			name:   "keyword is not a detector",
			policy: func(t *testing.T) string { return replace(t, "detectors: [phone]", "detectors: [keyword]") },
			want:   []string{`policy.yaml:27: rule "phone": unknown detector "keyword"`},
		},
		{
			name:   "unknown category",
			policy: func(t *testing.T) string { return replace(t, "categories: [bad]", "categories: [bda]") },
			want:   []string{`policy.yaml:13: rule "bad-all": unknown category "bda" (declared: bad, spam, profile_name)`},
		},
		{
			name:   "unknown list",
			policy: func(t *testing.T) string { return replace(t, "lists: [spam/ads]", "lists: [spam/adz]") },
			want:   []string{`policy.yaml:17: rule "spam-work": unknown list "spam/adz"`},
		},
		{
			name:   "duplicate rule id",
			policy: func(t *testing.T) string { return replace(t, "id: phone", "id: bad-all") },
			want:   []string{`policy.yaml:24: rule "bad-all": duplicate rule id (first used at line 11)`},
		},
		{
			name:   "bad regex",
			policy: func(t *testing.T) string { return replace(t, "detectors: [phone]", `regex: ["a(b"]`) },
			want:   []string{`policy.yaml:27: rule "phone": bad regex: error parsing regexp: missing closing )`},
		},
		{
			name:   "regex matching everything",
			policy: func(t *testing.T) string { return replace(t, "detectors: [phone]", `regex: ["x*"]`) },
			want:   []string{`policy.yaml:27: rule "phone": regex "x*" matches the empty string`},
		},
		{
			name:   "bad time window",
			policy: func(t *testing.T) string { return replace(t, "Mon-Fri 09:00-18:00", "Mon-Fry 09:00-18:00") },
			want:   []string{`policy.yaml:20: rule "spam-work": bad time window: parse time window "Mon-Fry 09:00-18:00": unknown day "Fry"`},
		},
		{
			name:   "bad clock",
			policy: func(t *testing.T) string { return replace(t, "Mon-Fri 09:00-18:00", "Mon-Fri 9:00-25:00") },
			want:   []string{`policy.yaml:20: rule "spam-work": bad time window`, `want HH:MM`},
		},
		{
			name: "bad time zone",
			policy: func(t *testing.T) string {
				return replace(t, "    where:\n", "    where:\n      timezone: Mars/Olympus\n")
			},
			want: []string{`policy.yaml:19: rule "spam-work": unknown time zone "Mars/Olympus"`},
		},
		{
			name:   "bad chat kind",
			policy: func(t *testing.T) string { return replace(t, "chat_kinds: [work]", "chat_kinds: [wrok]") },
			want:   []string{`policy.yaml:19: rule "spam-work": unknown chat kind "wrok" (known: work, private, external, direct, profile)`},
		},
		{
			name:   "bad rule severity",
			policy: func(t *testing.T) string { return replace(t, "severity: low", "severity: lo") },
			want:   []string{`policy.yaml:21: rule "spam-work": unknown severity "lo" (known: low, medium, high, critical)`},
		},
		{
			name:   "bad category severity",
			policy: func(t *testing.T) string { return replace(t, "severity: high", "severity: severe") },
			want:   []string{`policy.yaml:7: category "bad": unknown severity "severe"`},
		},
		{
			name:   "bad action",
			policy: func(t *testing.T) string { return replace(t, "action: log", "action: ban") },
			want:   []string{`policy.yaml:28: rule "phone": unknown action "ban" (known: none, log, warn, alert_owner, escalate_hr)`},
		},
		{
			name:   "missing action",
			policy: func(t *testing.T) string { return replace(t, "    action: log\n", "") },
			want:   []string{`policy.yaml:24: rule "phone": has no action`},
		},
		{
			name:   "missing id",
			policy: func(t *testing.T) string { return replace(t, "  - id: phone\n", "  - description: x\n") },
			want:   []string{`policy.yaml:24: rule 3: has no id`},
		},
		{
			name:   "matches nothing",
			policy: func(t *testing.T) string { return replace(t, "    match:\n      detectors: [phone]\n", "") },
			want:   []string{`rule "phone": matches nothing`},
		},
		{
			name:   "detector without category",
			policy: func(t *testing.T) string { return replace(t, "    category: bad\n", "") },
			want:   []string{`policy.yaml:24: rule "phone": has detectors or regexes but no category`},
		},
		{
			name: "unknown key is a typo",
			policy: func(t *testing.T) string {
				return replace(t, "    action: log\n", "    action: log\n    shadw: true\n")
			},
			want: []string{`policy.yaml:29: unknown key "shadw" in a rule (known: id, label, description, category, match, where, severity, action, shadow, allow, min_confidence, forms)`},
		},
		{
			name:   "unknown top-level key",
			policy: func(t *testing.T) string { return validPolicy + "ladders:\n  - warn\n" },
			want:   []string{`policy.yaml:29: unknown key "ladders" in policy.yaml top level (known: version, company, categories, rules, ladder)`},
		},
		{
			name:   "yaml syntax",
			policy: func(t *testing.T) string { return replace(t, "  - name: spam\n", "  - name: [spam\n") },
			want:   []string{`policy.yaml:7: did not find expected ',' or ']'; check the YAML syntax at this line`},
		},
		{
			name: "wrong type",
			policy: func(t *testing.T) string {
				return replace(t, "    match:\n      detectors: [phone]\n", "    match: phone\n")
			},
			want: []string{"policy.yaml:26: cannot unmarshal !!str `phone` into match; check the YAML syntax at this line"},
		},
		{
			name:   "missing version",
			policy: func(t *testing.T) string { return replace(t, "version: 1\n", "") },
			want:   []string{`policy.yaml:1: version is missing`},
		},
		{
			name:   "duplicate category",
			policy: func(t *testing.T) string { return replace(t, "  - name: profile_name\n", "  - name: spam\n") },
			want:   []string{`policy.yaml:9: category "spam" is declared twice (first at line 8)`},
		},
		{
			name:   "bad url domain",
			policy: func(t *testing.T) string { return replace(t, "[example.com]", "[https://example.com/]") },
			want:   []string{`policy.yaml:4: company: url_allow_domains entry "https://example.com/" is not a bare domain`},
		},
		{
			name: "long rule allow phrase",
			policy: func(t *testing.T) string {
				return replace(t, "allow: [刷单软件]", "allow: ["+strings.Repeat("长", 65)+"]")
			},
			want: []string{`policy.yaml:23: rule "spam-work": allow phrase`, `is 65 characters long (at most 64)`},
		},
		{
			name:   "empty entry after normalization",
			policy: func(t *testing.T) string { return validPolicy },
			extra:  []string{"lists/spam/spam.txt", "ok\n\n# c\nok2\n\n\n-- ** ~~\n\u200b\n"},
			want:   []string{`lists/spam/spam.txt:7: entry "-- ** ~~" is empty after normalization`, `lists/spam/spam.txt:8: entry "\u200b" is empty after normalization`},
		},
		{
			name:   "sentence punctuation in an entry",
			policy: func(t *testing.T) string { return validPolicy },
			extra:  []string{"lists/spam/spam.txt", "刷单，返利\n"},
			want:   []string{`lists/spam/spam.txt:1: entry "刷单，返利" contains sentence punctuation`},
		},
		{
			name:   "word too long",
			policy: func(t *testing.T) string { return validPolicy },
			extra:  []string{"lists/bad/long.txt", "短\n" + strings.Repeat("长", 65) + "\n"},
			want:   []string{`lists/bad/long.txt:2: entry`, `is 65 characters long (at most 64)`},
		},
		{
			name:   "bad word severity",
			policy: func(t *testing.T) string { return validPolicy },
			extra:  []string{"lists/bad/sev.txt", "赌场\tvery\n"},
			want:   []string{`lists/bad/sev.txt:1: unknown severity "very"`},
		},
		{
			name:   "severity on allow phrase",
			policy: func(t *testing.T) string { return validPolicy },
			extra:  []string{"lists/allow/x.txt", "长江大桥\thigh\n"},
			want:   []string{`lists/allow/x.txt:1: allow phrases take no severity`},
		},
		{
			name:   "undeclared category folder",
			policy: func(t *testing.T) string { return validPolicy },
			extra:  []string{"lists/gambling/a.txt", "赌场\n"},
			want:   []string{`lists/gambling: category "gambling" is not declared in policy.yaml`},
		},
		{
			name:   "not a txt file",
			policy: func(t *testing.T) string { return validPolicy },
			extra:  []string{"lists/bad/words.csv", "赌场\n"},
			want:   []string{`lists/bad/words.csv: only .txt files are read`},
		},
		{
			name:   "list outside a category",
			policy: func(t *testing.T) string { return validPolicy },
			extra:  []string{"lists/loose.txt", "赌场\n"},
			want:   []string{`lists/loose.txt: word lists belong in lists/<category>/<name>.txt`},
		},
		{
			name:   "not utf-8",
			policy: func(t *testing.T) string { return validPolicy },
			extra:  []string{"lists/bad/gbk.txt", "\xb6\xc4\xb2\xa9\n"},
			want:   []string{`lists/bad/gbk.txt: the file is not UTF-8`},
		},
		{
			name: "pinyin list missing",
			policy: func(t *testing.T) string {
				return replace(t, "  - name: spam\n", "  - name: spam\n    pinyin_lists: [nope]\n")
			},
			want: []string{`policy.yaml:9: category "spam": pinyin_lists names "nope" but there is no lists/spam/nope.txt`},
		},
		{
			name: "initials and homophones lists missing",
			policy: func(t *testing.T) string {
				return replace(t, "  - name: spam\n", "  - name: spam\n    initials_lists: [nope]\n    homophones_lists: [ads, gone]\n    split_lists: [none]\n")
			},
			want: []string{
				`policy.yaml:9: category "spam": initials_lists names "nope" but there is no lists/spam/nope.txt`,
				`policy.yaml:10: category "spam": homophones_lists names "gone" but there is no lists/spam/gone.txt`,
				`policy.yaml:11: category "spam": split_lists names "none" but there is no lists/spam/none.txt`,
			},
		},
		{
			name: "min_confidence out of range",
			policy: func(t *testing.T) string {
				return replace(t, "    action: alert_owner\n", "    action: alert_owner\n    min_confidence: 0\n")
			},
			want: []string{`policy.yaml:15: rule "bad-all": min_confidence 0 is out of range; give a percentage from 1 to 100`},
		},
		{
			name: "min_confidence over 100",
			policy: func(t *testing.T) string {
				return replace(t, "    action: alert_owner\n", "    action: alert_owner\n    min_confidence: 120\n")
			},
			want: []string{`policy.yaml:15: rule "bad-all": min_confidence 120 is out of range`},
		},
		{
			name: "unknown form",
			policy: func(t *testing.T) string {
				return replace(t, "    action: alert_owner\n", "    action: alert_owner\n    forms: [exact, pinyn]\n")
			},
			want: []string{`policy.yaml:15: rule "bad-all": unknown form "pinyn" (known: exact, folded, pinyin, initials, homophone, split, lookalike, structure, detector, obfuscated); leave forms out to enforce every form`},
		},
		{
			name:   "company names without category",
			policy: func(t *testing.T) string { return replace(t, "  - name: profile_name\n", "") },
			want:   []string{`policy.yaml:3: company: names are enforced under category "profile_name", which is not declared`},
		},
		{
			name: "several problems at once",
			policy: func(t *testing.T) string {
				p := replace(t, "detectors: [phone]", "detectors: [phon]")
				return strings.Replace(p, "action: warn", "action: shout", 1)
			},
			want: []string{"2 problems:", `policy.yaml:22: rule "spam-work": unknown action "shout"`, `policy.yaml:27: rule "phone": unknown detector "phon"`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadDir(policyFS(tc.policy(t), tc.extra...))
			if err == nil {
				t.Fatalf("LoadDir succeeded, want an error containing %q", tc.want)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %T, want *ValidationError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got error\n%v\nwant it to contain\n%s", err, w)
				}
			}
		})
	}
}

func TestLoadDirSyntaxErrorIsTheOnlyProblem(t *testing.T) {
	_, err := LoadDir(policyFS("version: 1\nrules: [\n"))
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 1 {
		t.Fatalf("got %v, want exactly one problem", err)
	}
}

func TestLoadDirEmptyPolicy(t *testing.T) {
	_, err := LoadDir(policyFS(""))
	if err == nil || !strings.Contains(err.Error(), "policy.yaml: the file is empty") {
		t.Fatalf("got %v, want an empty-file problem", err)
	}
}

func TestLoadDirMissingPolicy(t *testing.T) {
	_, err := LoadDir(fstest.MapFS{"lists/a/b.txt": {Data: []byte("x\n")}})
	if err == nil || !strings.Contains(err.Error(), "policy.yaml: cannot read the policy") {
		t.Fatalf("got %v, want a policy.yaml read problem", err)
	}
}

func TestParseNames(t *testing.T) {
	for _, s := range []string{"low", "medium", "high", "critical"} {
		t.Run("severity "+s, func(t *testing.T) {
			v, ok := ParseSeverity(s)
			if !ok || v.String() != s {
				t.Errorf("got %v %v, want %s", v, ok, s)
			}
		})
	}
	for _, s := range []string{"none", "log", "warn", "alert_owner", "escalate_hr"} {
		t.Run("action "+s, func(t *testing.T) {
			v, ok := ParseAction(s)
			if !ok || v.String() != s {
				t.Errorf("got %v %v, want %s", v, ok, s)
			}
		})
	}
	for _, s := range []string{"work", "private", "external", "direct", "profile"} {
		t.Run("chat kind "+s, func(t *testing.T) {
			v, ok := ParseChatKind(s)
			if !ok || v.String() != s {
				t.Errorf("got %v %v, want %s", v, ok, s)
			}
		})
	}
	for _, s := range []string{"", "none", "Low", "x"} {
		t.Run("bad severity "+s, func(t *testing.T) {
			if _, ok := ParseSeverity(s); ok {
				t.Errorf("ParseSeverity(%q) accepted", s)
			}
		})
	}
}

// FuzzLoadDir checks that no policy.yaml or list content panics the loader
// and that a failed load always names at least one problem.
func FuzzLoadDir(f *testing.F) {
	f.Add(validPolicy, "赌博\n冰毒\tcritical\tdrugs\n")
	f.Add("version: 1\nrules: [\n", "\t\t\n#\n")
	f.Add("version: 2\ncategories: [{name: bad}]\nrules: [{id: x, match: {categories: [bad]}, action: warn, where: {time: [Mon]}}]\n", "x\tlow\n")
	f.Fuzz(func(t *testing.T, policy, list string) {
		fsys := policyFS(policy, "lists/bad/fuzz.txt", list)
		rs, err := LoadDir(fsys)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("got %v, want a ValidationError with problems", err)
			}
			return
		}
		if _, err := Compile(rs); err != nil {
			t.Fatalf("Compile of a valid rule set: %v", err)
		}
	})
}

func TestLoadDirFormOptions(t *testing.T) {
	policy := replace(t, "  - name: spam\n", "  - name: spam\n    initials: true\n    homophones_lists: [ads]\n    pinyin_lists: [ads]\n    split_lists: [more]\n")
	policy = strings.Replace(policy, "    action: alert_owner\n", "    action: alert_owner\n    min_confidence: 80\n    forms: [exact, folded, folded]\n", 1)
	rs, err := LoadDir(policyFS(policy, "lists/spam/more.txt", "推广\n"))
	if err != nil {
		t.Fatalf("LoadDir: %v", err)
	}
	for _, c := range rs.Categories {
		for _, l := range c.Lists {
			got := [4]bool{l.Pinyin, l.Initials, l.Homophones, l.Split}
			var want [4]bool
			switch c.Name + "/" + l.Name {
			case "spam/ads":
				want = [4]bool{true, true, true, false}
			case "spam/more":
				want = [4]bool{false, true, false, true}
			}
			if got != want {
				t.Errorf("%s/%s: pinyin, initials, homophones, split = %v, want %v", c.Name, l.Name, got, want)
			}
		}
	}
	for _, r := range rs.Rules {
		wantConf, wantForms := uint8(DefaultMinConfidence), []moderation.Form(nil)
		if r.ID == "bad-all" {
			wantConf, wantForms = 80, []moderation.Form{moderation.FormExact, moderation.FormFolded}
		}
		if r.MinConfidence != wantConf || !slices.Equal(r.Forms, wantForms) {
			t.Errorf("rule %s: min_confidence %d, forms %v; want %d, %v", r.ID, r.MinConfidence, r.Forms, wantConf, wantForms)
		}
	}
}

// TestLoadDirLabels checks rule and list labels: given, defaulted to the id
// or file name, and refused when they name no list or are empty.
func TestLoadDirLabels(t *testing.T) {
	policy := replace(t, "  - name: spam\n", "  - name: spam\n    list_labels: {ads: 广告词}\n")
	policy = strings.Replace(policy, "  - id: bad-all\n", "  - id: bad-all\n    label: 违禁内容\n", 1)
	rs, err := LoadDir(policyFS(policy))
	if err != nil {
		t.Fatalf("LoadDir: %v", err)
	}
	for _, r := range rs.Rules {
		want := r.ID
		if r.ID == "bad-all" {
			want = "违禁内容"
		}
		if r.Label != want {
			t.Errorf("rule %s: label %q, want %q", r.ID, r.Label, want)
		}
	}
	for _, c := range rs.Categories {
		for _, l := range c.Lists {
			want := l.Name
			switch c.Name + "/" + l.Name {
			case "spam/ads":
				want = "广告词"
			case "profile_name/company":
				want = "公司名称"
			}
			if l.Label != want {
				t.Errorf("list %s/%s: label %q, want %q", c.Name, l.Name, l.Label, want)
			}
		}
	}
	for _, tc := range []struct{ labels, want string }{
		{"{nope: 没有}", `list_labels names "nope" but there is no lists/spam/nope.txt`},
		{`{ads: " "}`, `list_labels gives "ads" an empty label`},
	} {
		_, err := LoadDir(policyFS(replace(t, "  - name: spam\n", "  - name: spam\n    list_labels: "+tc.labels+"\n")))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("list_labels %s: got %v, want an error containing %q", tc.labels, err, tc.want)
		}
	}
}

// TestDefaultPolicyLabels checks that every rule and list of the default
// policy has a Chinese label and every rule a Chinese description.
func TestDefaultPolicyLabels(t *testing.T) {
	rs, err := Default()
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	han := func(s string) bool {
		return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
	}
	for _, r := range rs.Rules {
		if !han(r.Label) || !han(r.Description) {
			t.Errorf("rule %s: label %q, description %q; want both in Chinese", r.ID, r.Label, r.Description)
		}
	}
	for _, c := range rs.Categories {
		for _, l := range c.Lists {
			if !han(l.Label) {
				t.Errorf("list %s/%s: label %q, want Chinese", c.Name, l.Name, l.Label)
			}
		}
	}
}
