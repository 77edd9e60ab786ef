package rules

import (
	"slices"
	"strings"
)

// Intercept says whether a list is kept as a WeCom intercept rule for
// customer chats (客户联系 敏感词拦截), and how WeCom acts on a hit.
type Intercept uint8

// Intercept modes. The zero value leaves the list out.
const (
	InterceptOff Intercept = iota
	// InterceptWarn: WeCom warns the member and sends the message
	// (intercept_type 2).
	InterceptWarn
	// InterceptBlock: WeCom warns the member and does not send the
	// message (intercept_type 1).
	InterceptBlock
)

var interceptNames = map[string]Intercept{"off": InterceptOff, "warn": InterceptWarn, "block": InterceptBlock}

// String returns the policy.yaml name of the mode.
func (m Intercept) String() string {
	switch m {
	case InterceptWarn:
		return "warn"
	case InterceptBlock:
		return "block"
	}
	return "off"
}

// Semantics names of intercept_semantics, WeCom's own checks added to an
// intercept rule (semantics_list 1 phone number, 2 e-mail address, 3 red
// packet).
var Semantics = []string{"phone", "email", "red_packet"}

// intercept reads category ci's intercept, intercept_lists and
// intercept_semantics keys from rc (policy.yaml categories[i]).
func (l *loader) intercept(cats []Category, ci, i int, rc rawCategory) {
	all := InterceptOff
	if rc.Intercept != "" {
		m, ok := interceptNames[rc.Intercept]
		if !ok {
			l.addf(policyFile, l.line("categories", i, "intercept"), "category %q: intercept %q is not a mode; write block (warn and do not send), warn (warn only) or off", rc.Name, rc.Intercept)
		}
		all = m
	}
	for j := range cats[ci].Lists {
		cats[ci].Lists[j].Intercept = all
	}
	names := make([]string, 0, len(rc.InterceptLists))
	for name := range rc.InterceptLists {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		mode := strings.TrimSpace(rc.InterceptLists[name])
		m, ok := interceptNames[mode]
		k := slices.IndexFunc(cats[ci].Lists, func(li List) bool { return li.Name == name })
		switch {
		case k < 0:
			l.addf(policyFile, l.line("categories", i, "intercept_lists"), "category %q: intercept_lists names %q but there is no lists/%s/%s.txt; name a list file of the category without .txt", rc.Name, name, rc.Name, name)
		case !ok:
			l.addf(policyFile, l.line("categories", i, "intercept_lists"), "category %q: intercept_lists gives %q the mode %q; write block, warn or off", rc.Name, name, mode)
		default:
			cats[ci].Lists[k].Intercept = m
		}
	}
	for j, s := range rc.InterceptSemantics {
		if !slices.Contains(Semantics, s) {
			l.addf(policyFile, l.line("categories", i, "intercept_semantics", j), "category %q: intercept_semantics %q is not one of WeCom's checks; write phone, email or red_packet", rc.Name, s)
			continue
		}
		if !slices.Contains(cats[ci].InterceptSemantics, s) {
			cats[ci].InterceptSemantics = append(cats[ci].InterceptSemantics, s)
		}
	}
}

// interceptRange checks company.intercept_users and intercept_departments.
func (l *loader) interceptRange(raw rawCompany, c *Company) {
	for i, u := range raw.InterceptUsers {
		u = strings.TrimSpace(u)
		if u == "" || len(u) > 64 || strings.ContainsAny(u, " \t\n") {
			l.addf(policyFile, l.line("company", "intercept_users", i), "company: intercept_users entry %q is not a userid; write the member's account (帐号) as in the admin console", raw.InterceptUsers[i])
			continue
		}
		c.InterceptUsers = append(c.InterceptUsers, u)
	}
	for i, d := range raw.InterceptDepartments {
		if d <= 0 {
			l.addf(policyFile, l.line("company", "intercept_departments", i), "company: intercept_departments entry %d is not a department id; department ids are positive (1 is the whole corp)", d)
			continue
		}
		c.InterceptDepartments = append(c.InterceptDepartments, d)
	}
}
