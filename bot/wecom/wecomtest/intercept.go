package wecomtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// API names of the intercept-rule endpoints in Calls.
const (
	APIAddInterceptRule    = "externalcontact/add_intercept_rule"
	APIInterceptRuleList   = "externalcontact/get_intercept_rule_list"
	APIGetInterceptRule    = "externalcontact/get_intercept_rule"
	APIUpdateInterceptRule = "externalcontact/update_intercept_rule"
	APIDelInterceptRule    = "externalcontact/del_intercept_rule"
)

// Limits of intercept rules the fake enforces, WeCom's documented ones.
const (
	MaxInterceptRules     = 100
	MaxInterceptWords     = 300
	MaxInterceptWordRunes = 32
	MaxInterceptNameRunes = 20
	MaxInterceptRange     = 1000
)

// WeCom documents the limits but not an errcode for each broken one; the
// fake answers 40058 (invalid parameter) with an errmsg naming the limit,
// so callers must not rely on more than "refused". CodeInterceptRuleLimit
// is the corp's rule count reached.
const CodeInterceptRuleLimit = CodeInvalidParameter

// InterceptRange is a rule's applicable_range.
type InterceptRange struct {
	Users       []string `json:"user_list,omitempty"`
	Departments []int64  `json:"department_list,omitempty"`
}

// InterceptRule is one intercept rule as the fake keeps it.
type InterceptRule struct {
	ID         string
	Name       string
	Words      []string
	Semantics  []int
	Type       int
	Range      InterceptRange
	CreateTime int64
}

type interceptRules struct {
	mu    sync.Mutex
	seq   int
	rules []*InterceptRule // in creation order
}

// InterceptRules returns a copy of the corp's intercept rules in creation
// order.
func (s *Server) InterceptRules() []InterceptRule {
	s.rules.mu.Lock()
	defer s.rules.mu.Unlock()
	out := make([]InterceptRule, len(s.rules.rules))
	for i, r := range s.rules.rules {
		out[i] = cloneRule(r)
	}
	return out
}

// SetInterceptRule stores r as if an administrator made it in the admin
// console (a rule not made by the caller) and returns its id.
func (s *Server) SetInterceptRule(r InterceptRule) string {
	s.rules.mu.Lock()
	defer s.rules.mu.Unlock()
	c := cloneRule(&r)
	s.rules.seq++
	c.ID = fmt.Sprintf("console-rule-%d", s.rules.seq)
	c.CreateTime = s.cfg.Now().Unix()
	s.rules.rules = append(s.rules.rules, &c)
	return c.ID
}

// RemoveInterceptRule deletes a rule as an administrator would in the
// admin console, reporting whether it existed.
func (s *Server) RemoveInterceptRule(id string) bool {
	s.rules.mu.Lock()
	defer s.rules.mu.Unlock()
	i := slices.IndexFunc(s.rules.rules, func(r *InterceptRule) bool { return r.ID == id })
	if i < 0 {
		return false
	}
	s.rules.rules = slices.Delete(s.rules.rules, i, i+1)
	return true
}

func cloneRule(r *InterceptRule) InterceptRule {
	c := *r
	c.Words = slices.Clone(r.Words)
	c.Semantics = slices.Clone(r.Semantics)
	c.Range.Users = slices.Clone(r.Range.Users)
	c.Range.Departments = slices.Clone(r.Range.Departments)
	return c
}

// refuse answers errcode code with an errmsg that names the reason.
func (s *Server) refuse(code int, reason string) reply {
	out := s.fail(code)
	out["errmsg"] = reason + ", " + out["errmsg"].(string)
	return out
}

// decodeStrict decodes body into v refusing unknown fields: add's and
// update's bodies differ (semantics_list and applicable_range against
// extra_rule and add/remove_applicable_range), and WeCom ignores a field of
// the other body, so a client that mixes them up would silently lose
// semantics or the range. The fake refuses it, to make that visible.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// checkWords applies the word, name, type and semantics limits.
func checkRuleFields(name string, words []string, semantics []int, typ int) string {
	if n := utf8.RuneCountInString(name); n < 1 || n > MaxInterceptNameRunes {
		return fmt.Sprintf("rule_name length %d out of limit [1,%d]", n, MaxInterceptNameRunes)
	}
	if len(words) < 1 || len(words) > MaxInterceptWords {
		return fmt.Sprintf("word_list size %d out of limit [1,%d]", len(words), MaxInterceptWords)
	}
	seen := map[string]bool{}
	for _, w := range words {
		if n := utf8.RuneCountInString(w); n < 1 || n > MaxInterceptWordRunes || strings.TrimSpace(w) == "" {
			return fmt.Sprintf("word length %d out of limit [1,%d]", n, MaxInterceptWordRunes)
		}
		if seen[w] {
			return "duplicate word in word_list"
		}
		seen[w] = true
	}
	for _, v := range semantics {
		if v < 1 || v > 3 {
			return fmt.Sprintf("invalid semantics %d", v)
		}
	}
	if typ != 1 && typ != 2 {
		return fmt.Sprintf("invalid intercept_type %d", typ)
	}
	return ""
}

func checkRange(r InterceptRange) string {
	if len(r.Users) > MaxInterceptRange || len(r.Departments) > MaxInterceptRange {
		return "applicable_range size out of limit"
	}
	for _, d := range r.Departments {
		if d <= 0 {
			return fmt.Sprintf("invalid department %d", d)
		}
	}
	return ""
}

func (s *Server) addInterceptRule(_ *http.Request, body []byte) reply {
	var req struct {
		Name      string         `json:"rule_name"`
		Words     []string       `json:"word_list"`
		Semantics []int          `json:"semantics_list"`
		Type      int            `json:"intercept_type"`
		Range     InterceptRange `json:"applicable_range"`
	}
	if err := decodeStrict(body, &req); err != nil {
		return s.refuse(CodeInvalidParameter, "invalid body: "+err.Error())
	}
	if msg := checkRuleFields(req.Name, req.Words, req.Semantics, req.Type); msg != "" {
		return s.refuse(CodeInvalidParameter, msg)
	}
	if len(req.Range.Users) == 0 && len(req.Range.Departments) == 0 {
		return s.refuse(CodeInvalidParameter, "applicable_range is empty")
	}
	if msg := checkRange(req.Range); msg != "" {
		return s.refuse(CodeInvalidParameter, msg)
	}
	s.rules.mu.Lock()
	defer s.rules.mu.Unlock()
	if len(s.rules.rules) >= MaxInterceptRules {
		return s.refuse(CodeInterceptRuleLimit, fmt.Sprintf("rule count out of limit %d", MaxInterceptRules))
	}
	if slices.ContainsFunc(s.rules.rules, func(r *InterceptRule) bool { return r.Name == req.Name }) {
		return s.refuse(CodeInvalidParameter, "rule_name already exists")
	}
	s.rules.seq++
	r := &InterceptRule{
		ID: fmt.Sprintf("rule-%d", s.rules.seq), Name: req.Name, Words: req.Words, Semantics: req.Semantics,
		Type: req.Type, Range: req.Range, CreateTime: s.cfg.Now().Unix(),
	}
	s.rules.rules = append(s.rules.rules, r)
	return s.ok(reply{"rule_id": r.ID})
}

func (s *Server) interceptRuleList(_ *http.Request, _ []byte) reply {
	s.rules.mu.Lock()
	defer s.rules.mu.Unlock()
	list := make([]reply, 0, len(s.rules.rules))
	for _, r := range s.rules.rules {
		list = append(list, reply{"rule_id": r.ID, "rule_name": r.Name, "create_time": r.CreateTime})
	}
	return s.ok(reply{"rule_list": list})
}

// findRule returns the rule named in body; the caller holds s.rules.mu.
func (s *Server) findRule(id string) *InterceptRule {
	for _, r := range s.rules.rules {
		if r.ID == id {
			return r
		}
	}
	return nil
}

func (s *Server) getInterceptRule(_ *http.Request, body []byte) reply {
	var req struct {
		RuleID string `json:"rule_id"`
	}
	if err := decodeStrict(body, &req); err != nil || req.RuleID == "" {
		return s.refuse(CodeInvalidParameter, "rule_id missing")
	}
	s.rules.mu.Lock()
	defer s.rules.mu.Unlock()
	r := s.findRule(req.RuleID)
	if r == nil {
		return s.refuse(CodeInvalidParameter, "invalid rule_id")
	}
	return s.ok(reply{"rule": reply{
		"rule_id": r.ID, "rule_name": r.Name, "word_list": nonNil(r.Words),
		"extra_rule":       reply{"semantics_list": nonNil(r.Semantics)},
		"intercept_type":   r.Type,
		"applicable_range": reply{"user_list": nonNil(r.Range.Users), "department_list": nonNil(r.Range.Departments)},
	}})
}

func (s *Server) updateInterceptRule(_ *http.Request, body []byte) reply {
	var req struct {
		RuleID string   `json:"rule_id"`
		Name   string   `json:"rule_name"`
		Words  []string `json:"word_list"`
		Extra  *struct {
			Semantics []int `json:"semantics_list"`
		} `json:"extra_rule"`
		Type   int             `json:"intercept_type"`
		Add    *InterceptRange `json:"add_applicable_range"`
		Remove *InterceptRange `json:"remove_applicable_range"`
	}
	if err := decodeStrict(body, &req); err != nil {
		return s.refuse(CodeInvalidParameter, "invalid body: "+err.Error())
	}
	if req.RuleID == "" {
		return s.refuse(CodeInvalidParameter, "rule_id missing")
	}
	s.rules.mu.Lock()
	defer s.rules.mu.Unlock()
	r := s.findRule(req.RuleID)
	if r == nil {
		return s.refuse(CodeInvalidParameter, "invalid rule_id")
	}
	// Absent fields keep the rule's values, as WeCom does.
	next := cloneRule(r)
	if req.Name != "" {
		next.Name = req.Name
	}
	if req.Words != nil {
		next.Words = req.Words
	}
	if req.Extra != nil {
		next.Semantics = req.Extra.Semantics
	}
	if req.Type != 0 {
		next.Type = req.Type
	}
	if msg := checkRuleFields(next.Name, next.Words, next.Semantics, next.Type); msg != "" {
		return s.refuse(CodeInvalidParameter, msg)
	}
	if next.Name != r.Name && slices.ContainsFunc(s.rules.rules, func(o *InterceptRule) bool { return o.Name == next.Name }) {
		return s.refuse(CodeInvalidParameter, "rule_name already exists")
	}
	if req.Add != nil {
		for _, u := range req.Add.Users {
			if !slices.Contains(next.Range.Users, u) {
				next.Range.Users = append(next.Range.Users, u)
			}
		}
		for _, d := range req.Add.Departments {
			if !slices.Contains(next.Range.Departments, d) {
				next.Range.Departments = append(next.Range.Departments, d)
			}
		}
	}
	if req.Remove != nil {
		next.Range.Users = slices.DeleteFunc(next.Range.Users, func(u string) bool { return slices.Contains(req.Remove.Users, u) })
		next.Range.Departments = slices.DeleteFunc(next.Range.Departments, func(d int64) bool { return slices.Contains(req.Remove.Departments, d) })
	}
	if len(next.Range.Users) == 0 && len(next.Range.Departments) == 0 {
		return s.refuse(CodeInvalidParameter, "applicable_range would be empty")
	}
	if msg := checkRange(next.Range); msg != "" {
		return s.refuse(CodeInvalidParameter, msg)
	}
	*r = next
	return s.ok(nil)
}

func (s *Server) delInterceptRule(_ *http.Request, body []byte) reply {
	var req struct {
		RuleID string `json:"rule_id"`
	}
	if err := decodeStrict(body, &req); err != nil || req.RuleID == "" {
		return s.refuse(CodeInvalidParameter, "rule_id missing")
	}
	s.rules.mu.Lock()
	defer s.rules.mu.Unlock()
	i := slices.IndexFunc(s.rules.rules, func(r *InterceptRule) bool { return r.ID == req.RuleID })
	if i < 0 {
		return s.refuse(CodeInvalidParameter, "invalid rule_id")
	}
	s.rules.rules = slices.Delete(s.rules.rules, i, i+1)
	return s.ok(nil)
}
