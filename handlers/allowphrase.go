package handlers

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/rules"
)

// falseAlarmAllowList is the allow list that phrases made from false
// alarms go to (lists/allow/*.txt are global allow phrases).
const falseAlarmAllowList = "lists/allow/false_alarms.txt"

// previewLimit bounds the suppressed violations a preview lists.
const previewLimit = 50

// allowPhraseRequest is an allow phrase to try or to add.
type allowPhraseRequest struct {
	Phrase string `json:"phrase"`
	// Days is how far back the preview looks (default 30, at most 180).
	Days   int    `json:"days"`
	Reason string `json:"reason"`
}

// suppressedView is a past violation the phrase would have suppressed,
// evidence masked.
type suppressedView struct {
	ID       string    `json:"id"`
	Ref      string    `json:"ref"`
	Time     time.Time `json:"time"`
	TimeText string    `json:"time_text"`
	From     string    `json:"from"`
	ChatID   string    `json:"chat_id,omitempty"`
	Rules    []string  `json:"rules"`
	Labels   []string  `json:"labels"`
	Evidence []string  `json:"evidence"`
	// Partly is true when only some of its hits would have gone.
	Partly bool `json:"partly,omitempty"`
}

// allowPreview is what adding an allow phrase would have done to the
// stored violations of the last days: run against the message text of
// those whose text was kept (enforcement.keep_raw); the others cannot be
// judged and are only counted.
type allowPreview struct {
	Phrase     string           `json:"phrase"`
	Days       int              `json:"days"`
	Scanned    int              `json:"scanned"`
	WithText   int              `json:"with_text"`
	Suppressed int              `json:"suppressed"`
	Partly     int              `json:"partly"`
	Items      []suppressedView `json:"items"`
	// More is true when the scan stopped at its bound.
	More bool `json:"more,omitempty"`
	// Summary says it for people.
	Summary string `json:"summary"`
}

func (s *Server) previewAllowPhrase(c *gin.Context) error {
	var req allowPhraseRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p, err := s.previewAllow(c.Request.Context(), req)
	if err != nil {
		return err
	}
	if err := s.audit(c, "allow_phrase.preview", req.Phrase, nil, nil); err != nil {
		return err // the preview read message texts: audited like 查看原文
	}
	c.JSON(http.StatusOK, p)
	return nil
}

// previewAllow compiles the rule set in force with the phrase added and
// runs both on the kept text of each stored violation of the last days.
func (s *Server) previewAllow(ctx context.Context, req allowPhraseRequest) (allowPreview, error) {
	phrase := strings.TrimSpace(req.Phrase)
	if n := utf8.RuneCountInString(phrase); n < 2 || n > rules.MaxWordRunes {
		return allowPreview{}, fmt.Errorf("phrase must be 2 to %d characters: %w", rules.MaxWordRunes, bot.ErrInvalid)
	}
	days := req.Days
	if days == 0 {
		days = 30
	}
	if days < 1 || days > 180 {
		return allowPreview{}, fmt.Errorf("days must be a number from 1 to 180: %w", bot.ErrInvalid)
	}
	if s.cfg.Rules == nil {
		return allowPreview{}, fmt.Errorf("allow phrases need the rule store: %w", bot.ErrUnavailable)
	}
	files, _, err := s.cfg.Rules.Rules(ctx)
	if err != nil {
		return allowPreview{}, bot.WithKind(err, bot.ErrUnavailable)
	}
	current, err := compileFiles(files)
	if err != nil {
		return allowPreview{}, err
	}
	if err := addAllowPhrase(files, phrase, ""); err != nil {
		return allowPreview{}, err
	}
	draft, err := compileFiles(files)
	if err != nil {
		return allowPreview{}, err
	}
	out := allowPreview{Phrase: phrase, Days: days, Items: []suppressedView{}}
	vs, next, err := s.cfg.Admin.SearchViolations(ctx, store.ViolationQuery{From: s.cfg.Now().AddDate(0, 0, -days), Limit: store.MaxSearchScan})
	if err != nil {
		return allowPreview{}, bot.WithKind(err, bot.ErrUnavailable)
	}
	out.More = !next.Time.IsZero()
	names, loc := labelsOf(current.RuleSet()), s.companyLocation()
	for _, v := range vs {
		out.Scanned++
		if v.Raw == "" {
			continue
		}
		out.WithText++
		kind, ok := rules.ParseChatKind(v.ChatKind)
		if !ok {
			kind = rules.ChatWork
		}
		mc := rules.Context{ChatKind: kind, Time: v.Time}
		before, after := enforced(current.Evaluate(v.Raw, mc)), enforced(draft.Evaluate(v.Raw, mc))
		if len(before) == 0 || len(after) == len(before) {
			continue
		}
		item := suppressedView{ID: v.ID, Ref: bot.Ref(v.ID), Time: v.Time, TimeText: formatTime(v.Time, loc), From: v.From, ChatID: v.ChatID, Partly: len(after) > 0}
		for _, h := range before {
			if slices.ContainsFunc(after, func(a rules.Hit) bool { return a.Start == h.Start && a.Rule == h.Rule }) {
				continue
			}
			if !slices.Contains(item.Rules, h.Rule) {
				item.Rules, item.Labels = append(item.Rules, h.Rule), append(item.Labels, names.rule(h.Rule))
			}
			item.Evidence = append(item.Evidence, h.Masked)
		}
		if item.Partly {
			out.Partly++
		} else {
			out.Suppressed++
		}
		if len(out.Items) < previewLimit {
			out.Items = append(out.Items, item)
		}
	}
	out.Summary = fmt.Sprintf("近 %d 天共 %d 条违规记录，其中 %d 条保留了原文可以核对：加入允许短语「%s」后，%d 条不再算违规，%d 条部分命中被排除。",
		days, out.Scanned, out.WithText, phrase, out.Suppressed, out.Partly)
	if out.Scanned > out.WithText {
		out.Summary += fmt.Sprintf("另有 %d 条未保留原文（enforcement.keep_raw 未开启或已过期），无法预览。", out.Scanned-out.WithText)
	}
	return out, nil
}

// enforced are a verdict's hits that count (not shadow).
func enforced(v rules.Verdict) []rules.Hit {
	return slices.DeleteFunc(slices.Clone(v.Hits), func(h rules.Hit) bool { return h.Shadow })
}

func compileFiles(files map[string][]byte) (*rules.Engine, error) {
	rs, err := rules.LoadFiles(files)
	if err != nil {
		return nil, validationError(err)
	}
	e, err := rules.Compile(rs)
	if err != nil {
		return nil, bot.WithKind(fmt.Errorf("compile rule set: %w", err), bot.ErrInvalid)
	}
	return e, nil
}

// addAllowPhrase adds phrase (with note) to the false-alarm allow list in
// files, creating the list when it is not there.
func addAllowPhrase(files map[string][]byte, phrase, note string) error {
	data, ok := files[falseAlarmAllowList]
	if !ok {
		data = []byte("# 由误报生成的允许短语：短语内的命中不再算违规。\n")
	}
	edited, problems := rules.EditList(data, []rules.ListEntry{{Word: phrase, Note: note}}, nil)
	if len(problems) > 0 {
		return validationError(&rules.ValidationError{Problems: problems})
	}
	files[falseAlarmAllowList] = edited
	return nil
}

// allowPhraseFromViolation turns a false alarm into an allow phrase in
// one step: the violation is withdrawn (if it is not yet) and the phrase
// joins the false-alarm allow list, which every replica reloads. The
// answer carries the preview of what the phrase would have suppressed.
func (s *Server) allowPhraseFromViolation(c *gin.Context) error {
	var req allowPhraseRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	id, ctx, who := c.Param("id"), c.Request.Context(), principalOf(c).User
	preview, err := s.previewAllow(ctx, req)
	if err != nil {
		return err
	}
	reason := req.Reason
	if reason == "" {
		reason = "转为允许短语：" + preview.Phrase
	}
	out, err := s.cfg.Review.Withdraw(ctx, id, store.Withdrawal{At: s.cfg.Now(), By: who, Reason: reason, Via: bot.ViaHR})
	if err != nil {
		return err
	}
	if !out.Already {
		if err := s.audit(c, "violation.false_alarm", id, nil, gin.H{"reason": reason, "cases": caseIDs(out.Cases)}); err != nil {
			return err
		}
	}
	note := "误报 记录 " + bot.Ref(id)
	version, err := s.changeRules(ctx, func(files map[string][]byte) error { return addAllowPhrase(files, preview.Phrase, note) })
	if err != nil {
		return err
	}
	if err := s.audit(c, "list.edit", falseAlarmAllowList, nil, gin.H{"added": []gin.H{{"word": preview.Phrase, "note": note}}, "removed": []string{}}); err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"withdrawn": out, "version": version, "list": falseAlarmAllowList, "preview": preview})
	return nil
}
