// Package intercept keeps WeCom's customer-chat intercept rules (客户联系 →
// 聊天敏感词) in step with the lists HR marks 拦截客户聊天 in the policy:
// WeCom checks what members send to customers against these rules before
// delivery, which is the only way to block a message rather than report it
// afterwards.
//
// Plan turns a rule set into the rules WeCom should hold, within WeCom's
// limits (100 rules a corp, 300 words a rule, words of 1–32 characters),
// most severe words first, and says what did not fit. Syncer applies the
// difference between that plan and the rules it made before (their ids are
// kept in Redis), from the one replica holding a lease, after every
// rule-set change; rules it did not make are never touched.
package intercept

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/rules"
)

// NamePrefix starts the name of every rule wecom-guard makes, so that HR
// can tell them apart in the admin console. A rule with such a name that
// the sync state does not know (an add whose answer was lost) is adopted
// rather than made twice.
const NamePrefix = "wg·"

// Rule is one intercept rule the policy asks for.
type Rule struct {
	// Key names the rule across syncs: category, mode and part
	// ("secrets/block/1").
	Key       string               `json:"key"`
	Name      string               `json:"name"`
	Category  string               `json:"category"`
	Label     string               `json:"label"` // the category's label (商业机密)
	Mode      string               `json:"mode"`  // block or warn
	Words     []string             `json:"words"`
	Semantics []int                `json:"semantics,omitempty"`
	Range     wecom.InterceptRange `json:"range"`
	severity  rules.Severity       // the most severe word's, for the corp budget
	lists     []string             // the list of each word, for the left-out report
}

// Type is the rule's intercept_type.
func (r Rule) Type() int {
	if r.Mode == rules.InterceptBlock.String() {
		return wecom.InterceptBlock
	}
	return wecom.InterceptWarn
}

// Reasons a word is left out.
const (
	ReasonTooLong   = "too_long"   // over 32 characters
	ReasonRuleLimit = "rule_limit" // the corp's 100 rules are full
)

// LeftOut is a marked word that is not in WeCom's rules.
type LeftOut struct {
	Word     string `json:"word"`
	Category string `json:"category"`
	List     string `json:"list"`
	Reason   string `json:"reason"`
}

// Plan is the intercept rules a rule set asks for.
type Plan struct {
	Rules   []Rule    `json:"rules"`
	LeftOut []LeftOut `json:"left_out,omitempty"`
}

var semanticsCode = map[string]int{"phone": wecom.SemanticsPhone, "email": wecom.SemanticsEmail, "red_packet": wecom.SemanticsRedPacket}

type word struct {
	text     string
	list     string
	severity rules.Severity
}

// Build plans the intercept rules of rs, using at most budget rules (the
// corp's 100 less the rules others made). A category's words of one mode
// go into rules of 300, most severe first; when the budget is short, the
// rules whose most severe word is least severe are left out.
func Build(rs *rules.RuleSet, budget int) Plan {
	var plan Plan
	rng := wecom.InterceptRange{Users: slices.Clone(rs.Company.InterceptUsers), Departments: slices.Clone(rs.Company.InterceptDepartments)}
	if len(rng.Users) == 0 && len(rng.Departments) == 0 {
		rng.Departments = []int64{1} // the root department: the whole corp
	}
	var all []Rule
	for _, c := range rs.Categories {
		var sem []int
		for _, s := range c.InterceptSemantics {
			sem = append(sem, semanticsCode[s])
		}
		slices.Sort(sem)
		for _, mode := range []rules.Intercept{rules.InterceptBlock, rules.InterceptWarn} {
			var words []word
			seen := map[string]bool{}
			for _, li := range c.Lists {
				if li.Intercept != mode {
					continue
				}
				for _, w := range li.Words {
					if seen[w.Text] {
						continue
					}
					seen[w.Text] = true
					if utf8.RuneCountInString(w.Text) > wecom.MaxInterceptWordRunes {
						plan.LeftOut = append(plan.LeftOut, LeftOut{Word: w.Text, Category: c.Name, List: li.Name, Reason: ReasonTooLong})
						continue
					}
					sev := w.Severity
					if sev == rules.SeverityNone {
						sev = c.Severity
					}
					words = append(words, word{text: w.Text, list: li.Name, severity: sev})
				}
			}
			slices.SortStableFunc(words, func(a, b word) int { return cmp.Compare(b.severity, a.severity) })
			for part := 0; part*wecom.MaxInterceptWords < len(words); part++ {
				chunk := words[part*wecom.MaxInterceptWords : min(len(words), (part+1)*wecom.MaxInterceptWords)]
				r := Rule{
					Key:      c.Name + "/" + mode.String() + "/" + strconv.Itoa(part+1),
					Name:     ruleName(c.Label, mode, part),
					Category: c.Name, Label: c.Label, Mode: mode.String(),
					Semantics: sem, Range: rng, severity: chunk[0].severity,
				}
				for _, w := range chunk {
					r.Words = append(r.Words, w.text)
					r.lists = append(r.lists, w.list)
				}
				all = append(all, r)
			}
		}
	}
	// Within the budget: block before warn at equal severity, then the
	// order of the policy.
	order := slices.Clone(all)
	slices.SortStableFunc(order, func(a, b Rule) int {
		if c := cmp.Compare(b.severity, a.severity); c != 0 {
			return c
		}
		return cmp.Compare(a.Type(), b.Type()) // 1 block before 2 warn
	})
	keep := map[string]bool{}
	for i, r := range order {
		if i < max(budget, 0) {
			keep[r.Key] = true
		}
	}
	for _, r := range all {
		if keep[r.Key] {
			plan.Rules = append(plan.Rules, r)
			continue
		}
		for i, w := range r.Words {
			plan.LeftOut = append(plan.LeftOut, LeftOut{Word: w, Category: r.Category, List: r.lists[i], Reason: ReasonRuleLimit})
		}
	}
	return plan
}

// ruleName is "wg·<label>" with the mode and part, cut to WeCom's 20
// characters: wg·商业机密, wg·广告推销·仅警告, wg·违法违规内容·2.
func ruleName(label string, mode rules.Intercept, part int) string {
	suffix := ""
	if mode == rules.InterceptWarn {
		suffix = "·仅警告"
	}
	if part > 0 {
		suffix += "·" + strconv.Itoa(part+1)
	}
	room := wecom.MaxInterceptNameRunes - utf8.RuneCountInString(NamePrefix) - utf8.RuneCountInString(suffix)
	runes := []rune(label)
	if len(runes) > room {
		runes = runes[:room]
	}
	return fmt.Sprintf("%s%s%s", NamePrefix, string(runes), suffix)
}
