package wecom

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Intercept rules (客户联系 → 聊天敏感词): WeCom checks what members send in
// customer chats against them before delivery, and warns, or warns and
// does not send. The API is externalcontact/{add,update,del,get}_intercept_rule
// and get_intercept_rule_list; the app's secret needs the 客户联系 permission
// (the app listed under 客户联系 → 可调用应用).

// API names of the intercept-rule endpoints.
const (
	APIAddInterceptRule    = "externalcontact/add_intercept_rule"
	APIInterceptRuleList   = "externalcontact/get_intercept_rule_list"
	APIGetInterceptRule    = "externalcontact/get_intercept_rule"
	APIUpdateInterceptRule = "externalcontact/update_intercept_rule"
	APIDelInterceptRule    = "externalcontact/del_intercept_rule"
)

// WeCom's limits on intercept rules.
const (
	MaxInterceptRules     = 100 // rules a corp
	MaxInterceptWords     = 300 // words a rule
	MaxInterceptWordRunes = 32  // characters a word (at least 1)
	MaxInterceptNameRunes = 20  // characters a rule name (at least 1)
	MaxInterceptRange     = 1000
)

// Intercept types (intercept_type).
const (
	InterceptBlock = 1 // warn and do not send
	InterceptWarn  = 2 // warn only
)

// Semantics of semantics_list: WeCom's own checks a rule may add.
const (
	SemanticsPhone     = 1
	SemanticsEmail     = 2
	SemanticsRedPacket = 3
)

// InterceptRange is whom a rule applies to (applicable_range): members by
// userid and departments by id. WeCom refuses a range with neither.
type InterceptRange struct {
	Users       []string `json:"user_list,omitempty"`
	Departments []int64  `json:"department_list,omitempty"`
}

// InterceptRule is one intercept rule.
type InterceptRule struct {
	ID        string
	Name      string
	Words     []string
	Semantics []int
	Type      int
	Range     InterceptRange
}

// InterceptRuleInfo is a rule as get_intercept_rule_list lists it.
type InterceptRuleInfo struct {
	ID         string `json:"rule_id"`
	Name       string `json:"rule_name"`
	CreateTime int64  `json:"create_time"`
}

// InterceptRuleUpdate changes a rule. WeCom's update body differs from
// add's: semantics go under extra_rule and the range is changed by what to
// add and what to remove, not replaced. Words replace the rule's words.
type InterceptRuleUpdate struct {
	ID          string
	Name        string
	Words       []string
	Semantics   []int
	Type        int
	AddRange    InterceptRange
	RemoveRange InterceptRange
}

// CheckInterceptRule reports the first way r breaks WeCom's limits, in
// words a reader can act on, or "" when it keeps them all.
func CheckInterceptRule(name string, words []string, semantics []int, typ int, rng *InterceptRange) string {
	if n := utf8.RuneCountInString(name); n == 0 || n > MaxInterceptNameRunes {
		return fmt.Sprintf("rule name %q has %d characters; WeCom takes 1 to %d", name, n, MaxInterceptNameRunes)
	}
	if len(words) == 0 || len(words) > MaxInterceptWords {
		return fmt.Sprintf("rule %q has %d words; WeCom takes 1 to %d", name, len(words), MaxInterceptWords)
	}
	for _, w := range words {
		if n := utf8.RuneCountInString(w); n == 0 || n > MaxInterceptWordRunes || strings.TrimSpace(w) == "" {
			return fmt.Sprintf("word %q of rule %q has %d characters; WeCom takes 1 to %d", w, name, n, MaxInterceptWordRunes)
		}
	}
	for _, s := range semantics {
		if s < SemanticsPhone || s > SemanticsRedPacket {
			return fmt.Sprintf("semantics %d of rule %q is not 1 (phone), 2 (e-mail) or 3 (red packet)", s, name)
		}
	}
	if typ != InterceptBlock && typ != InterceptWarn {
		return fmt.Sprintf("intercept type %d of rule %q is not 1 (block) or 2 (warn)", typ, name)
	}
	if rng != nil {
		if len(rng.Users) == 0 && len(rng.Departments) == 0 {
			return fmt.Sprintf("rule %q applies to no one; give users or departments", name)
		}
		if len(rng.Users) > MaxInterceptRange || len(rng.Departments) > MaxInterceptRange {
			return fmt.Sprintf("rule %q names more than %d users or departments", name, MaxInterceptRange)
		}
	}
	return ""
}

type addInterceptReq struct {
	Name      string         `json:"rule_name"`
	Words     []string       `json:"word_list"`
	Semantics []int          `json:"semantics_list,omitempty"`
	Type      int            `json:"intercept_type"`
	Range     InterceptRange `json:"applicable_range"`
}

type ruleIDAnswer struct {
	apiStatus
	RuleID string `json:"rule_id"`
}

// AddInterceptRule creates r (its ID is ignored) and returns WeCom's rule
// id. A rule outside WeCom's limits is refused before it is sent.
func (c *Client) AddInterceptRule(ctx context.Context, r InterceptRule) (string, error) {
	if msg := CheckInterceptRule(r.Name, r.Words, r.Semantics, r.Type, &r.Range); msg != "" {
		return "", fmt.Errorf("add intercept rule: %s: %w", msg, ErrInvalidRequest)
	}
	var ans ruleIDAnswer
	req := addInterceptReq{Name: r.Name, Words: r.Words, Semantics: r.Semantics, Type: r.Type, Range: r.Range}
	if err := c.call(ctx, APIAddInterceptRule, http.MethodPost, nil, req, &ans); err != nil {
		return "", fmt.Errorf("add intercept rule %q: %w", r.Name, err)
	}
	if ans.RuleID == "" {
		return "", fmt.Errorf("add intercept rule %q: no rule_id in answer: %w", r.Name, ErrBadAnswer)
	}
	return ans.RuleID, nil
}

type ruleListAnswer struct {
	apiStatus
	Rules []InterceptRuleInfo `json:"rule_list"`
}

// InterceptRules lists the corp's intercept rules, whoever made them.
func (c *Client) InterceptRules(ctx context.Context) ([]InterceptRuleInfo, error) {
	var ans ruleListAnswer
	if err := c.call(ctx, APIInterceptRuleList, http.MethodGet, nil, nil, &ans); err != nil {
		return nil, fmt.Errorf("list intercept rules: %w", err)
	}
	return ans.Rules, nil
}

type ruleIDReq struct {
	RuleID string `json:"rule_id"`
}

type extraRule struct {
	Semantics []int `json:"semantics_list"`
}

type ruleAnswer struct {
	apiStatus
	Rule struct {
		ID        string         `json:"rule_id"`
		Name      string         `json:"rule_name"`
		Words     []string       `json:"word_list"`
		Extra     extraRule      `json:"extra_rule"`
		Semantics []int          `json:"semantics_list"`
		Type      int            `json:"intercept_type"`
		Range     InterceptRange `json:"applicable_range"`
	} `json:"rule"`
}

// InterceptRule reads one rule.
func (c *Client) InterceptRule(ctx context.Context, id string) (InterceptRule, error) {
	if id == "" {
		return InterceptRule{}, fmt.Errorf("get intercept rule: empty rule id: %w", ErrInvalidRequest)
	}
	var ans ruleAnswer
	if err := c.call(ctx, APIGetInterceptRule, http.MethodPost, nil, ruleIDReq{id}, &ans); err != nil {
		return InterceptRule{}, fmt.Errorf("get intercept rule %q: %w", id, err)
	}
	r := ans.Rule
	sem := r.Extra.Semantics
	if sem == nil {
		sem = r.Semantics // some answers list it at the top level
	}
	return InterceptRule{ID: r.ID, Name: r.Name, Words: r.Words, Semantics: sem, Type: r.Type, Range: r.Range}, nil
}

type updateInterceptReq struct {
	RuleID      string          `json:"rule_id"`
	Name        string          `json:"rule_name,omitempty"`
	Words       []string        `json:"word_list,omitempty"`
	Extra       extraRule       `json:"extra_rule"`
	Type        int             `json:"intercept_type,omitempty"`
	AddRange    *InterceptRange `json:"add_applicable_range,omitempty"`
	RemoveRange *InterceptRange `json:"remove_applicable_range,omitempty"`
}

// UpdateInterceptRule changes rule u.ID: name, words, semantics and type as
// given (they replace the rule's), the range by u.AddRange and
// u.RemoveRange. An unknown rule id is an *APIError.
func (c *Client) UpdateInterceptRule(ctx context.Context, u InterceptRuleUpdate) error {
	if u.ID == "" {
		return fmt.Errorf("update intercept rule: empty rule id: %w", ErrInvalidRequest)
	}
	if msg := CheckInterceptRule(u.Name, u.Words, u.Semantics, u.Type, nil); msg != "" {
		return fmt.Errorf("update intercept rule: %s: %w", msg, ErrInvalidRequest)
	}
	req := updateInterceptReq{RuleID: u.ID, Name: u.Name, Words: u.Words, Extra: extraRule{Semantics: u.Semantics}, Type: u.Type}
	if sem := req.Extra.Semantics; sem == nil {
		req.Extra.Semantics = []int{} // an empty list clears them; absent would keep them
	}
	if len(u.AddRange.Users)+len(u.AddRange.Departments) > 0 {
		req.AddRange = &u.AddRange
	}
	if len(u.RemoveRange.Users)+len(u.RemoveRange.Departments) > 0 {
		req.RemoveRange = &u.RemoveRange
	}
	var ans apiStatus
	if err := c.call(ctx, APIUpdateInterceptRule, http.MethodPost, nil, req, &ans); err != nil {
		return fmt.Errorf("update intercept rule %q: %w", u.ID, err)
	}
	return nil
}

// DeleteInterceptRule deletes a rule. An unknown rule id is an *APIError.
func (c *Client) DeleteInterceptRule(ctx context.Context, id string) error {
	if id == "" {
		return fmt.Errorf("delete intercept rule: empty rule id: %w", ErrInvalidRequest)
	}
	var ans apiStatus
	if err := c.call(ctx, APIDelInterceptRule, http.MethodPost, nil, ruleIDReq{id}, &ans); err != nil {
		return fmt.Errorf("delete intercept rule %q: %w", id, err)
	}
	return nil
}
