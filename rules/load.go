package rules

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time windows name zones such as Asia/Shanghai; do not depend on the host's zoneinfo

	"go.yaml.in/yaml/v3"

	"github.com/wecom-guard/wecom-guard/moderation"
)

//go:embed policy.yaml lists
var defaultFS embed.FS

// Names inside a rule directory.
const (
	policyFile    = "policy.yaml"
	listsDir      = "lists"
	allowCategory = "allow"
	companyList   = "company"
	// MaxWordRunes is the longest entry a word list or allow list may hold.
	MaxWordRunes = 64
	// DefaultTimeZone is the zone of time windows when a policy names none.
	DefaultTimeZone = "Asia/Shanghai"
	// DefaultNamesCategory is the category company names are enforced under.
	DefaultNamesCategory = "profile_name"
)

// Default returns the policy embedded in the binary (rules/policy.yaml and
// rules/lists).
func Default() (*RuleSet, error) {
	rs, err := LoadDir(defaultFS)
	if err != nil {
		return nil, fmt.Errorf("load default policy: %w", err)
	}
	return rs, nil
}

// DefaultFS returns the embedded default rule directory, for tools that
// copy it as a starting point.
func DefaultFS() fs.FS { return defaultFS }

// LoadDir loads and validates the rule directory fsys: policy.yaml at its
// root and word lists under lists/<category>/*.txt. On failure the error is
// a *ValidationError listing every problem with its file and line.
func LoadDir(fsys fs.FS) (*RuleSet, error) {
	l := loader{fsys: fsys}
	rs := l.load()
	if len(l.problems) > 0 {
		sortProblems(l.problems)
		return nil, &ValidationError{Problems: l.problems}
	}
	return rs, nil
}

// The raw policy.yaml schema, decoded strictly (unknown keys are errors).
// New sections are added as fields here and to rawTypes.
type rawPolicy struct {
	Version    int           `yaml:"version"`
	Company    rawCompany    `yaml:"company"`
	Categories []rawCategory `yaml:"categories"`
	Rules      []rawRule     `yaml:"rules"`
	Ladder     *rawLadder    `yaml:"ladder"`
}

type rawCompany struct {
	Names           []string `yaml:"names"`
	NamesCategory   string   `yaml:"names_category"`
	URLAllowDomains []string `yaml:"url_allow_domains"`
	Timezone        string   `yaml:"timezone"`
	// InterceptUsers and InterceptDepartments are whom WeCom's intercept
	// rules apply to (default: department 1, the whole corp).
	InterceptUsers       []string `yaml:"intercept_users"`
	InterceptDepartments []int64  `yaml:"intercept_departments"`
}

type rawCategory struct {
	Name        string   `yaml:"name"`
	Label       string   `yaml:"label"`
	Description string   `yaml:"description"`
	Severity    string   `yaml:"severity"`
	Pinyin      bool     `yaml:"pinyin"`
	PinyinLists []string `yaml:"pinyin_lists"`
	// Initials and Homophones opt in to more forms, like Pinyin.
	Initials        bool     `yaml:"initials"`
	InitialsLists   []string `yaml:"initials_lists"`
	Homophones      bool     `yaml:"homophones"`
	HomophonesLists []string `yaml:"homophones_lists"`
	// Split and SplitLists opt in to split characters alone (贝者博),
	// for lists whose homophones cost too much (读博 for 赌博).
	Split      bool     `yaml:"split"`
	SplitLists []string `yaml:"split_lists"`
	// TogetherLists names lists whose words count only together: list
	// name → how many different words of it one message must hold.
	TogetherLists map[string]int `yaml:"together_lists"`
	// SplitOnlyLists names lists whose entries match only written in
	// split characters (木仓 for 枪), never as written: see List.SplitOnly.
	SplitOnlyLists []string `yaml:"split_only_lists"`
	// ListLabels names the category's list files for readers
	// (insults: 侮辱词汇); a list without one is shown by its name.
	ListLabels map[string]string `yaml:"list_labels"`
	// Intercept marks the category's lists 拦截客户聊天 (block|warn): they
	// are kept as WeCom intercept rules for customer chats.
	// InterceptLists sets it per list (block|warn|off), over Intercept.
	// InterceptSemantics adds WeCom's own checks (phone, email,
	// red_packet) to the category's rules.
	Intercept          string            `yaml:"intercept"`
	InterceptLists     map[string]string `yaml:"intercept_lists"`
	InterceptSemantics []string          `yaml:"intercept_semantics"`
}

type rawRule struct {
	ID          string   `yaml:"id"`
	Label       string   `yaml:"label"`
	Description string   `yaml:"description"`
	Category    string   `yaml:"category"`
	Match       rawMatch `yaml:"match"`
	Where       rawWhere `yaml:"where"`
	Severity    string   `yaml:"severity"`
	Action      string   `yaml:"action"`
	Shadow      bool     `yaml:"shadow"`
	Allow       []string `yaml:"allow"`
	// MinConfidence is a pointer so that "absent" (the default) differs
	// from an explicit 0, which is refused.
	MinConfidence *int     `yaml:"min_confidence"`
	Forms         []string `yaml:"forms"`
}

type rawMatch struct {
	Categories []string `yaml:"categories"`
	Lists      []string `yaml:"lists"`
	Detectors  []string `yaml:"detectors"`
	Regex      []string `yaml:"regex"`
}

type rawWhere struct {
	ChatKinds []string `yaml:"chat_kinds"`
	Time      []string `yaml:"time"`
	Timezone  string   `yaml:"timezone"`
}

// rawTypes names the raw types in messages about unknown keys.
var rawTypes = map[string]struct {
	what string
	v    any
}{
	"rules.rawPolicy":   {"policy.yaml top level", rawPolicy{}},
	"rules.rawCompany":  {"company", rawCompany{}},
	"rules.rawCategory": {"a category", rawCategory{}},
	"rules.rawRule":     {"a rule", rawRule{}},
	"rules.rawMatch":    {"match", rawMatch{}},
	"rules.rawWhere":    {"where", rawWhere{}},
	"rules.rawLadder":   {"ladder", rawLadder{}},
	"rules.rawSanction": {"a sanctions step", rawSanction{}},
}

type loader struct {
	fsys     fs.FS
	problems []Problem
	root     *yaml.Node // the mapping node of policy.yaml, for line numbers
	norm     *moderation.Normalizer
	runes    []rune  // checkWord's buffers
	offs     []int32 // checkWord's buffers
}

func (l *loader) addf(file string, line int, format string, args ...any) {
	l.problems = append(l.problems, Problem{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// line returns the line of the node at path (string keys, int indices)
// below the policy root, or of the deepest node on the path that exists.
func (l *loader) line(keys ...any) int {
	n := l.root
	if n == nil {
		return 0
	}
	line := n.Line
	for _, k := range keys {
		var next *yaml.Node
		switch k := k.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == k {
						next = n.Content[i+1]
						if next.Kind != yaml.MappingNode && next.Kind != yaml.SequenceNode {
							// A scalar value: its own line.
							return next.Line
						}
						line = n.Content[i].Line
						break
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && k < len(n.Content) {
				next = n.Content[k]
				line = next.Line
			}
		}
		if next == nil {
			return line
		}
		n = next
	}
	return line
}

func (l *loader) load() *RuleSet {
	data, err := fs.ReadFile(l.fsys, policyFile)
	if err != nil {
		l.addf(policyFile, 0, "cannot read the policy (%v); a rule directory needs policy.yaml at its root", err)
		return nil
	}
	raw, ok := l.decodePolicy(data)
	if !ok {
		// Without a readable document every further check would only
		// repeat the syntax problem.
		return nil
	}
	rs := &RuleSet{Version: raw.Version}

	if raw.Version != 1 {
		if raw.Version == 0 {
			l.addf(policyFile, 1, "version is missing; add \"version: 1\" at the top")
		} else {
			l.addf(policyFile, l.line("version"), "version %d is not supported; this build reads version 1", raw.Version)
		}
	}

	rs.Company = l.company(raw.Company)
	cats := l.categories(raw.Categories)
	allow := l.lists(cats, raw.Categories)
	rs.Allow = allow
	l.companyNames(rs, cats)
	rs.Categories = cats
	rs.Rules = l.rules(raw.Rules, rs)
	rs.Ladder = l.ladder(raw.Ladder)
	return rs
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
var unknownField = regexp.MustCompile(`^field (\S+) not found in type (\S+)$`)

// decodePolicy decodes policy.yaml strictly; ok is false when the file is
// not a YAML document at all.
func (l *loader) decodePolicy(data []byte) (raw rawPolicy, ok bool) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err == nil && len(doc.Content) > 0 && doc.Content[0].Kind == yaml.MappingNode {
		l.root = doc.Content[0]
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(&raw)
	if errors.Is(err, io.EOF) {
		l.addf(policyFile, 0, "the file is empty; it needs at least \"version: 1\", categories: and rules:")
		return raw, false
	}
	var te *yaml.TypeError
	switch {
	case err == nil:
	case errors.As(err, &te):
		for _, msg := range te.Errors {
			l.yamlProblem(msg)
		}
	default:
		l.yamlProblem(err.Error())
		return raw, false
	}
	return raw, true
}

// yamlProblem turns a yaml.v3 message into a Problem that says how to fix it.
func (l *loader) yamlProblem(msg string) {
	line := 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	if m := unknownField.FindStringSubmatch(msg); m != nil {
		if t, ok := rawTypes[m[2]]; ok {
			msg = fmt.Sprintf("unknown key %q in %s (known: %s); check its spelling", m[1], t.what, strings.Join(yamlKeys(t.v), ", "))
		}
	} else {
		for name, t := range rawTypes {
			msg = strings.ReplaceAll(msg, name, t.what)
		}
		msg += "; check the YAML syntax at this line"
	}
	l.addf(policyFile, line, "%s", msg)
}

func yamlKeys(v any) []string {
	t := reflect.TypeOf(v)
	keys := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		keys = append(keys, name)
	}
	return keys
}

func (l *loader) company(raw rawCompany) Company {
	c := Company{NamesCategory: raw.NamesCategory}
	if c.NamesCategory == "" {
		c.NamesCategory = DefaultNamesCategory
	}
	tz := raw.Timezone
	if tz == "" {
		tz = DefaultTimeZone
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		l.addf(policyFile, l.line("company", "timezone"), "company: unknown time zone %q; use an IANA name such as %q", tz, DefaultTimeZone)
		loc = time.UTC
	}
	c.Location = loc
	for i, d := range raw.URLAllowDomains {
		d = strings.ToLower(strings.TrimSpace(d))
		switch {
		case strings.Trim(d, ".") == "":
			l.addf(policyFile, l.line("company", "url_allow_domains", i), "company: url_allow_domains entry %d is empty; remove it", i+1)
		case strings.ContainsAny(d, "/:@ ?#"):
			l.addf(policyFile, l.line("company", "url_allow_domains", i), "company: url_allow_domains entry %q is not a bare domain; write the host only, e.g. \"example.com\"", d)
		default:
			c.URLAllowDomains = append(c.URLAllowDomains, strings.TrimPrefix(d, "*."))
		}
	}
	for i, n := range raw.Names {
		if msg := l.checkWord(n); msg != "" {
			l.addf(policyFile, l.line("company", "names", i), "company: name %q %s", n, msg)
			continue
		}
		c.Names = append(c.Names, strings.TrimSpace(n))
	}
	l.interceptRange(raw, &c)
	return c
}

func (l *loader) categories(raw []rawCategory) []Category {
	cats := make([]Category, 0, len(raw))
	seen := map[string]int{}
	for i, rc := range raw {
		line := l.line("categories", i)
		switch {
		case rc.Name == "":
			l.addf(policyFile, line, "category %d has no name; add \"name: <folder under lists/>\"", i+1)
			continue
		case rc.Name == allowCategory:
			l.addf(policyFile, l.line("categories", i, "name"), "category name %q is reserved for lists/allow (global allow phrases); choose another name", rc.Name)
			continue
		case !categoryName.MatchString(rc.Name):
			l.addf(policyFile, l.line("categories", i, "name"), "category name %q %s", rc.Name, categoryNameRule)
			continue
		}
		if prev, dup := seen[rc.Name]; dup {
			l.addf(policyFile, l.line("categories", i, "name"), "category %q is declared twice (first at line %d); merge the two", rc.Name, prev)
			continue
		}
		seen[rc.Name] = l.line("categories", i)
		c := Category{Name: rc.Name, Label: strings.TrimSpace(rc.Label), Description: strings.TrimSpace(rc.Description), Severity: SeverityMedium}
		if c.Label == "" {
			c.Label = c.Name
		}
		if rc.Severity != "" {
			sev, ok := ParseSeverity(rc.Severity)
			if !ok {
				l.addf(policyFile, l.line("categories", i, "severity"), "category %q: unknown severity %q (known: low, medium, high, critical)", rc.Name, rc.Severity)
			}
			if ok {
				c.Severity = sev
			}
		}
		cats = append(cats, c)
	}
	return cats
}

var ruleID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

func (l *loader) rules(raw []rawRule, rs *RuleSet) []Rule {
	out := make([]Rule, 0, len(raw))
	seen := map[string]int{}
	for i, rr := range raw {
		at := func(keys ...any) int { return l.line(append([]any{"rules", i}, keys...)...) }
		name := fmt.Sprintf("rule %q", rr.ID)
		ok := true
		bad := func(line int, format string, args ...any) {
			l.addf(policyFile, line, name+": "+format, args...)
			ok = false
		}
		switch {
		case rr.ID == "":
			name = fmt.Sprintf("rule %d", i+1)
			bad(at(), "has no id; add \"id: <unique name>\"")
		case !ruleID.MatchString(rr.ID):
			bad(at("id"), "id may hold only letters, digits, '_', '-' and '.'")
		default:
			if prev, dup := seen[rr.ID]; dup {
				bad(at("id"), "duplicate rule id (first used at line %d); rename one of them", prev)
			} else {
				seen[rr.ID] = at("id")
			}
		}
		r := Rule{ID: rr.ID, Label: strings.TrimSpace(rr.Label), Description: rr.Description, Shadow: rr.Shadow}
		if r.Label == "" {
			r.Label = r.ID
		}

		m := rr.Match
		if len(m.Categories)+len(m.Lists)+len(m.Detectors)+len(m.Regex) == 0 {
			bad(at("match"), "matches nothing; give match: categories, lists, detectors or regex")
		}
		for j, c := range m.Categories {
			if !slices.ContainsFunc(rs.Categories, func(cat Category) bool { return cat.Name == c }) {
				bad(at("match", "categories", j), "unknown category %q (declared: %s)", c, categoryNames(rs.Categories))
				continue
			}
			r.Categories = append(r.Categories, c)
		}
		for j, ln := range m.Lists {
			cat, list, found := strings.Cut(ln, "/")
			ci := slices.IndexFunc(rs.Categories, func(c Category) bool { return c.Name == cat })
			if !found || ci < 0 || !slices.ContainsFunc(rs.Categories[ci].Lists, func(li List) bool { return li.Name == list }) {
				bad(at("match", "lists", j), "unknown list %q; name it \"<category>/<file name without .txt>\" of a file under lists/", ln)
				continue
			}
			r.Lists = append(r.Lists, ln)
		}
		for j, d := range m.Detectors {
			k, known := moderation.ParseKind(d)
			if !known || !isDetector(k) {
				bad(at("match", "detectors", j), "unknown detector %q (known: %s)", d, detectorNames())
				continue
			}
			r.Detectors = append(r.Detectors, k)
		}
		for j, expr := range m.Regex {
			re, err := regexp.Compile(expr)
			if err != nil {
				bad(at("match", "regex", j), "bad regex: %v; see https://golang.org/s/re2syntax", err)
				continue
			}
			if re.MatchString("") {
				bad(at("match", "regex", j), "regex %q matches the empty string, so it would hit every message; make it require at least one character", expr)
				continue
			}
			r.Regexps = append(r.Regexps, re)
		}

		r.Category = rr.Category
		if r.Category == "" && len(m.Categories) == 1 {
			r.Category = m.Categories[0]
		}
		switch {
		case rr.Category != "" && !slices.ContainsFunc(rs.Categories, func(cat Category) bool { return cat.Name == rr.Category }):
			bad(at("category"), "unknown category %q (declared: %s)", rr.Category, categoryNames(rs.Categories))
		case r.Category == "" && len(m.Detectors)+len(m.Regex) > 0:
			bad(at(), "has detectors or regexes but no category to report their hits under; add \"category: <name>\"")
		}

		for j, ck := range rr.Where.ChatKinds {
			k, known := ParseChatKind(ck)
			if !known {
				bad(at("where", "chat_kinds", j), "unknown chat kind %q (known: work, private, external, direct, profile)", ck)
				continue
			}
			r.ChatKinds = append(r.ChatKinds, k)
		}
		loc := rs.Company.Location
		if rr.Where.Timezone != "" {
			var err error
			if loc, err = time.LoadLocation(rr.Where.Timezone); err != nil {
				bad(at("where", "timezone"), "unknown time zone %q; use an IANA name such as %q", rr.Where.Timezone, DefaultTimeZone)
			}
		}
		for j, ws := range rr.Where.Time {
			w, err := ParseWindow(ws, loc)
			if err != nil {
				bad(at("where", "time", j), "bad time window: %v", err)
				continue
			}
			r.Windows = append(r.Windows, w)
		}

		if rr.Severity != "" {
			sev, known := ParseSeverity(rr.Severity)
			if !known {
				bad(at("severity"), "unknown severity %q (known: low, medium, high, critical)", rr.Severity)
			}
			r.Severity = sev
		}
		if rr.Action == "" {
			bad(at(), "has no action; add \"action:\" with one of none, log, warn, alert_owner, escalate_hr")
		} else if a, known := ParseAction(rr.Action); !known {
			bad(at("action"), "unknown action %q (known: none, log, warn, alert_owner, escalate_hr)", rr.Action)
		} else {
			r.Action = a
		}
		for j, a := range rr.Allow {
			if msg := l.checkWord(a); msg != "" {
				bad(at("allow", j), "allow phrase %q %s", a, msg)
				continue
			}
			r.Allow = append(r.Allow, strings.TrimSpace(a))
		}
		r.MinConfidence = DefaultMinConfidence
		if mc := rr.MinConfidence; mc != nil {
			if *mc < 1 || *mc > 100 {
				bad(at("min_confidence"), "min_confidence %d is out of range; give a percentage from 1 to 100 (default %d; 1 enforces every hit)", *mc, DefaultMinConfidence)
			} else {
				r.MinConfidence = uint8(*mc)
			}
		}
		for j, fs := range rr.Forms {
			f, known := moderation.ParseForm(fs)
			if !known {
				bad(at("forms", j), "unknown form %q (known: %s); leave forms out to enforce every form", fs, formNames())
				continue
			}
			if !slices.Contains(r.Forms, f) {
				r.Forms = append(r.Forms, f)
			}
		}
		if ok {
			out = append(out, r)
		}
	}
	return out
}

// detectorKinds are the finding kinds a rule may name under detectors:.
var detectorKinds = [...]moderation.Kind{
	moderation.KindPhone, moderation.KindIDCard, moderation.KindBankCard,
	moderation.KindEmail, moderation.KindURL, moderation.KindWeChatID, moderation.KindAddress,
	moderation.KindCustomerRecord, moderation.KindDocument,
}

func isDetector(k moderation.Kind) bool { return slices.Contains(detectorKinds[:], k) }

// formNames lists the names of every moderation.Form, for messages.
func formNames() string {
	var names []string
	for f := moderation.Form(0); ; f++ {
		name := f.String()
		if name == "unknown" {
			break
		}
		names = append(names, name)
	}
	return strings.Join(names, ", ")
}

func detectorNames() string {
	names := make([]string, len(detectorKinds))
	for i, k := range detectorKinds {
		names[i] = k.String()
	}
	return strings.Join(names, ", ")
}
