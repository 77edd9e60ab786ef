package handlers

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/rules"
)

// The admin API's operations pages: the outbox and its dead letters, the
// audit log, the chats HR configured, statistics and the archive's status.

func (s *Server) outboxStats(c *gin.Context) error {
	st, err := s.cfg.Admin.OutboxStats(c.Request.Context())
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	c.JSON(http.StatusOK, st)
	return nil
}

func (s *Server) deadLetters(c *gin.Context) error {
	n, err := limitParam(c, 100, 1000)
	if err != nil {
		return err
	}
	dl, err := s.cfg.Admin.DeadLetters(c.Request.Context(), n)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	loc := s.companyLocation()
	hr := principalOf(c).Role == RoleHR
	views := make([]deadLetterView, len(dl))
	for i, d := range dl {
		views[i] = deadLetterView{DeadLetter: d, DiedAt: formatTime(d.Died, loc)}
		var a bot.Action
		if err := json.Unmarshal(d.Entry.Payload, &a); err != nil || a.Kind == "" {
			views[i].Text = "（消息内容无法读取）"
			continue
		}
		if a.Kind == bot.ActWeComCall && !hr {
			// A call's arguments name customers by their external_userid
			// (a transfer's), which only HR sees unmasked (离职继承);
			// kind, recipient and text say what it was.
			views[i].Entry.Payload = nil
		}
		views[i].KindLabel, views[i].Recipient, views[i].Text = bot.ActionKindLabel(a.Kind), bot.ActionRecipient(a), bot.ActionText(a)
	}
	c.JSON(http.StatusOK, gin.H{"dead_letters": views})
	return nil
}

// deadLetterView is a failed delivery as people read it: the message as
// its recipient would have seen it, besides the stored entry.
type deadLetterView struct {
	store.DeadLetter
	KindLabel string `json:"kind_label,omitempty"`
	Recipient string `json:"recipient,omitempty"`
	Text      string `json:"text"`
	DiedAt    string `json:"died_at"`
}

func (s *Server) retryDeadLetter(c *gin.Context) error {
	id := c.Param("id")
	ok, err := s.cfg.Admin.RetryDeadLetter(c.Request.Context(), id)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	if !ok {
		return fmt.Errorf("dead letter %q: %w", id, bot.ErrNotFound)
	}
	if err := s.audit(c, "outbox.retry", id, nil, nil); err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"retried": id})
	return nil
}

func (s *Server) auditLog(c *gin.Context) error {
	n, err := limitParam(c, 100, 1000)
	if err != nil {
		return err
	}
	before := c.Query("before")
	if err := checkAuditCursor(before); err != nil {
		return err
	}
	entries, err := s.cfg.Admin.AuditLog(c.Request.Context(), n, before)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	names, loc := labelsOf(s.ruleSet()), s.companyLocation()
	views := make([]auditView, len(entries))
	for i, e := range entries {
		views[i] = describeAudit(e, names, loc)
	}
	c.JSON(http.StatusOK, gin.H{"entries": views})
	return nil
}

// checkAuditCursor refuses a before= that is not the id of an entry that
// may have older ones: the form of a stream id, both parts within uint64
// (a 20-digit part may not be), and not 0-0, before which nothing can be.
// Redis would refuse either, and a client's typo is not an outage.
func checkAuditCursor(before string) error {
	if before == "" {
		return nil
	}
	const form = "like 1764216000000-0, as next_before or an entry's id gives it"
	if !streamID.MatchString(before) {
		return fmt.Errorf("before %.40q is not an audit entry id (%s): %w", before, form, bot.ErrInvalid)
	}
	ms, seq, _ := strings.Cut(before, "-")
	msN, errMs := strconv.ParseUint(ms, 10, 64)
	seqN, errSeq := strconv.ParseUint(seq, 10, 64)
	if errMs != nil || errSeq != nil {
		return fmt.Errorf("before %q is out of range: both parts of an audit entry id are at most %d (%s): %w", before, uint64(math.MaxUint64), form, bot.ErrInvalid)
	}
	if msN == 0 && seqN == 0 {
		return fmt.Errorf("before %q: no audit entry comes before 0-0; leave before out for the newest entries: %w", before, bot.ErrInvalid)
	}
	return nil
}

func (s *Server) listChats(c *gin.Context) error {
	chats, err := s.cfg.Admin.Chats(c.Request.Context())
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	c.JSON(http.StatusOK, gin.H{"chats": chats})
	return nil
}

// chatRequest is what HR sets about a chat.
type chatRequest struct {
	Kind  string `json:"kind"`
	Owner string `json:"owner"`
	Name  string `json:"name"`
}

func (s *Server) putChat(c *gin.Context) error {
	id := c.Param("id")
	if len(id) > 128 {
		return fmt.Errorf("chat id over 128 characters: %w", bot.ErrInvalid)
	}
	var req chatRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if k, ok := rules.ParseChatKind(req.Kind); !ok || k == rules.ChatProfile {
		return fmt.Errorf("kind %q: use work, private, external or direct: %w", req.Kind, bot.ErrInvalid)
	}
	if len(req.Owner) > 64 || len(req.Name) > 128 {
		return fmt.Errorf("owner (64) or name (128 characters) too long: %w", bot.ErrInvalid)
	}
	ctx := c.Request.Context()
	before, had, err := s.cfg.Admin.Chat(ctx, id)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	after := store.ChatInfo{ChatID: id, Kind: req.Kind, Owner: req.Owner, Name: req.Name, SetBy: principalOf(c).User, Updated: s.cfg.Now()}
	if err := s.cfg.Admin.SetChat(ctx, after); err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	// An owner HR sets replaces whoever was noted before; removing HR's
	// owner forgets it (the next alert learns WeCom's); editing only the
	// kind or name leaves the owner learned from WeCom alone.
	if after.Owner != "" || (had && before.Owner != "") {
		if err := s.cfg.Admin.NoteOwnedChat(ctx, after.Owner, id); err != nil {
			return bot.WithKind(err, bot.ErrUnavailable)
		}
	}
	var prev any
	if had {
		prev = before
	}
	if err := s.audit(c, "chat.set", id, prev, after); err != nil {
		return err
	}
	c.JSON(http.StatusOK, after)
	return nil
}

func (s *Server) deleteChat(c *gin.Context) error {
	id := c.Param("id")
	ctx := c.Request.Context()
	before, had, err := s.cfg.Admin.Chat(ctx, id)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	if !had {
		return fmt.Errorf("chat %q has no settings: %w", id, bot.ErrNotFound)
	}
	if _, err := s.cfg.Admin.DeleteChat(ctx, id); err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	// The owner HR had set loses the chat; the next alert learns WeCom's.
	if err := s.cfg.Admin.NoteOwnedChat(ctx, "", id); err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	if err := s.audit(c, "chat.delete", id, before, nil); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// statsTop bounds the per-chat and per-user lists of the statistics.
const statsTop = 20

type countItem struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

func topN(m map[string]int64, n int) []countItem {
	out := make([]countItem, 0, len(m))
	for k, v := range m {
		out = append(out, countItem{k, v})
	}
	slices.SortFunc(out, func(a, b countItem) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// stats answers counts by day, category, severity, chat, department and
// user for the last `days` days (default 30, at most 366).
func (s *Server) stats(c *gin.Context) error {
	days, err := windowParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	perDay, err := s.cfg.Admin.Stats(ctx, s.cfg.Now(), days)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	type day struct {
		Date       string           `json:"date"`
		Total      int64            `json:"total"`
		ByCategory map[string]int64 `json:"by_category"`
	}
	out := make([]day, len(perDay))
	var total int64
	cats, sevs, chats, users, depts := map[string]int64{}, map[string]int64{}, map[string]int64{}, map[string]int64{}, map[string]int64{}
	add := func(dst, src map[string]int64) {
		for k, v := range src {
			dst[k] += v
		}
	}
	for i, d := range perDay {
		out[i] = day{Date: d.Date, Total: d.Total, ByCategory: d.ByCategory}
		total += d.Total
		add(cats, d.ByCategory)
		add(sevs, d.BySeverity)
		add(chats, d.ByChat)
		add(users, d.ByUser)
	}
	members := map[string][]string{} // department → its members counted
	for u, n := range users {
		dept, ok, err := s.cfg.Admin.CachedDepartment(ctx, u)
		if err != nil {
			return bot.WithKind(err, bot.ErrUnavailable)
		}
		if !ok {
			dept = unknownDepartment
		}
		depts[dept] += n
		members[dept] = append(members[dept], u)
	}
	deptNames, byDeptName, err := s.departmentNames(ctx, members, users)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	c.JSON(http.StatusOK, gin.H{
		"days": out, "total": total, "by_category": cats, "by_severity": sevs, "by_department": depts,
		"department_names": deptNames, "by_department_name": byDeptName,
		"top_chats": topN(chats, statsTop), "repeat_offenders": topN(users, statsTop),
	})
	return nil
}

// archiveStatus shows how far the chat archive has been ingested and how
// many msgaudit_notify events WeCom has sent.
func (s *Server) archiveStatus(c *gin.Context) error {
	corp := c.DefaultQuery("corp", DefaultArchiveCorp)
	seq, err := s.cfg.Admin.ArchiveSeq(c.Request.Context(), corp)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	n, err := s.cfg.Admin.NotifyCount(c.Request.Context())
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	c.JSON(http.StatusOK, gin.H{"corp": corp, "seq": seq, "notifications": n})
	return nil
}
