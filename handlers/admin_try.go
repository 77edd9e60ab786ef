package handlers

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/rules"
)

// The admin API's "try a message": the policy in force applied to a text HR
// types, with every hit's form and confidence.

// testRequest is a message to try against the policy in force.
type testRequest struct {
	Text     string `json:"text"`
	ChatKind string `json:"chat_kind"`
	Time     string `json:"time"`
	// Draft, when given, replaces files of the rule set in force (path →
	// content, e.g. "policy.yaml" or "lists/ads/new.txt"; an empty content
	// removes a file) for this test only.
	Draft map[string]string `json:"draft"`
}

// testHit is one hit with its explanation.
type testHit struct {
	Category    string `json:"category"`
	Rule        string `json:"rule"`
	Kind        string `json:"kind"`
	Start       int    `json:"start"`
	End         int    `json:"end"`
	Masked      string `json:"masked"`
	Severity    string `json:"severity"`
	Shadow      bool   `json:"shadow"`
	Explanation string `json:"explanation"`
	Form        string `json:"form"`
	Confidence  int    `json:"confidence"`
	Context     string `json:"context,omitempty"`
	Held        bool   `json:"held,omitempty"`
	// List is "category/name" of a keyword hit's list.
	List string `json:"list,omitempty"`
	// RuleLabel, ListLabel and CategoryLabel are the policy's names for
	// people (the code when the policy gives none).
	RuleLabel     string `json:"rule_label"`
	ListLabel     string `json:"list_label,omitempty"`
	CategoryLabel string `json:"category_label,omitempty"`
	// Data says, in Chinese, which customer record set and column or
	// which protected document a customer_record or document hit matched
	// (names and counts, never a value).
	Data string `json:"data,omitempty"`
}

func (s *Server) testMessage(c *gin.Context) error {
	if s.cfg.Checker == nil {
		return fmt.Errorf("no policy loaded: %w", bot.ErrUnavailable)
	}
	var req testRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Text == "" {
		return fmt.Errorf("text is empty: %w", bot.ErrInvalid)
	}
	if len(req.Text) > 64<<10 {
		return fmt.Errorf("text is over 64 KiB: %w", bot.ErrTooLarge)
	}
	// The customer records and protected documents in force, as the
	// pipeline consults them — for HR only: for an auditor 试一试 would
	// answer, unrecorded and in bulk (64 KiB a request), whether a number
	// is one of the customers' or a text a protected document's.
	mc := rules.Context{ChatKind: rules.ChatWork}
	withheld := false
	if data := s.dataMatcher(); data != nil {
		if principalOf(c).Role == RoleHR {
			mc.Data = data
		} else {
			withheld = true
		}
	}
	if req.ChatKind != "" {
		k, ok := rules.ParseChatKind(req.ChatKind)
		if !ok {
			return fmt.Errorf("chat_kind %q: use work, private, external, direct or profile: %w", req.ChatKind, bot.ErrInvalid)
		}
		mc.ChatKind = k
	}
	if req.Time != "" {
		t, err := time.Parse(time.RFC3339, req.Time)
		if err != nil {
			return fmt.Errorf("time %q is not RFC 3339 (e.g. 2026-11-27T10:00:00+08:00): %w", req.Time, bot.ErrInvalid)
		}
		mc.Time = t
	}
	checker := s.cfg.Checker()
	if len(req.Draft) > 0 {
		if s.cfg.Rules == nil {
			return fmt.Errorf("draft rule sets need the rule store: %w", bot.ErrUnavailable)
		}
		files, _, err := s.cfg.Rules.Rules(c.Request.Context())
		if err != nil {
			return bot.WithKind(err, bot.ErrUnavailable)
		}
		for p, data := range req.Draft {
			if data == "" {
				delete(files, p)
			} else {
				files[p] = []byte(data)
			}
		}
		rs, err := rules.LoadFiles(files)
		if err != nil {
			return validationError(err)
		}
		engine, err := rules.Compile(rs)
		if err != nil {
			return bot.WithKind(fmt.Errorf("compile draft: %w", err), bot.ErrInvalid)
		}
		checker = engine
	}
	v := checker.Evaluate(req.Text, mc)
	names := labelsOf(checker.RuleSet())
	hits := make([]testHit, len(v.Hits))
	for i, h := range v.Hits {
		hits[i] = testHit{Category: h.Category, Rule: h.Rule, Kind: h.Kind.String(), Start: h.Start, End: h.End,
			Masked: h.Masked, Severity: h.Severity.String(), Shadow: h.Shadow, Explanation: explainZH(h, mc.ChatKind, names),
			Form: h.Form.String(), Confidence: int(h.Confidence), Context: h.Context, Held: h.Held,
			List: h.List, RuleLabel: names.rule(h.Rule), CategoryLabel: names.category(h.Category), Data: dataZH(h.Data)}
		if h.List != "" {
			hits[i].ListLabel = names.list(h.List)
		}
	}
	out := gin.H{"action": v.Action.String(), "severity": v.Severity.String(), "hits": hits}
	if withheld {
		out["data_withheld"] = true // customer records and documents not consulted for this role
	}
	c.JSON(http.StatusOK, out)
	return nil
}
