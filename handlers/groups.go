package handlers

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
)

// consoleRoutes registers the console's look-ups: references and search,
// one violation, the groups seen, names and HR's directory, and the repeat
// offenders on the dashboard.
func (s *Server) consoleRoutes(api *gin.RouterGroup, all, readers, hr gin.HandlerFunc) {
	s.lookupRoutes(api, all)
	api.GET("/groups", readers, s.adapt(s.groups))
	api.GET("/offenders", readers, s.adapt(s.offenders))
	api.GET("/names", all, s.adapt(s.names))
	api.GET("/directory", readers, s.adapt(s.directoryInfo))
	api.PUT("/directory", hr, s.adapt(s.importDirectory))
}

// CacheReader reads the sender's lookup cache (a group's owner, "owner:
// <kind>:<chat id>"); bot/store.Store is one.
type CacheReader interface {
	CacheGet(ctx context.Context, key string, v any) (bool, error)
}

// GroupDirectory is what the store knows of groups beyond HR's settings:
// every group a message came from, and the names WeCom gave groups
// (bot/store.Store is one). Like NameStore it is found on the admin store.
type GroupDirectory interface {
	GroupsSeen(ctx context.Context) ([]store.GroupSeen, error)
	GroupNames(ctx context.Context, ids []string) (map[string]string, error)
}

// groupJSON is one group chat as the 群聊 page lists it.
type groupJSON struct {
	ChatID string `json:"chat_id"`
	Name   string `json:"name,omitempty"` // as HR named it
	// WeComName is the name WeCom gave the group (HR's Name wins).
	WeComName string `json:"wecom_name,omitempty"`
	Kind      string `json:"kind,omitempty"` // empty: not classified (treated as a work group)
	// SeenKind is the kind the messages arrived as, when HR set none.
	SeenKind      string    `json:"seen_kind,omitempty"`
	Owner         string    `json:"owner,omitempty"`
	OwnerName     string    `json:"owner_name,omitempty"`
	Violations    int       `json:"violations"` // in the window
	People        int       `json:"people"`     // distinct senders of them
	LastViolation time.Time `json:"last_violation,omitzero"`
	// Messages came from the group (all, clean or not) since it was first
	// seen; LastSeen is the newest. Counted in batches: a few seconds late.
	Messages int64     `json:"messages"`
	LastSeen time.Time `json:"last_seen,omitzero"`
	SetBy    string    `json:"set_by,omitempty"`
	Updated  time.Time `json:"updated,omitzero"`
}

// windowParam reads days (1–366, default 30).
func windowParam(c *gin.Context) (int, error) {
	days := 30
	if v := c.Query("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 366 {
			return 0, fmt.Errorf("days must be a number from 1 to 366: %w", bot.ErrInvalid)
		}
		days = n
	}
	return days, nil
}

// recentViolations reads the violations of the last days (at most
// store.MaxSearchScan of them); capped says the window held more.
func (s *Server) recentViolations(c *gin.Context, days int) (vs []store.Violation, capped bool, err error) {
	q := store.ViolationQuery{From: s.cfg.Now().AddDate(0, 0, -days), Limit: store.MaxSearchScan}
	vs, next, err := s.cfg.Admin.SearchViolations(c.Request.Context(), q)
	if err != nil {
		return nil, false, bot.WithKind(err, bot.ErrUnavailable)
	}
	return vs, !next.Time.IsZero(), nil
}

// groups lists every group chat seen — those HR set, those messages came
// from (GroupDirectory) and those with violations in the window —
// unclassified ones first, then by violations and by the last message.
func (s *Server) groups(c *gin.Context) error {
	days, err := windowParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	infos, err := s.cfg.Admin.Chats(ctx)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	vs, capped, err := s.recentViolations(c, days)
	if err != nil {
		return err
	}
	byID := map[string]*groupJSON{}
	for _, ci := range infos {
		byID[ci.ChatID] = &groupJSON{ChatID: ci.ChatID, Name: ci.Name, Kind: ci.Kind, Owner: ci.Owner, SetBy: ci.SetBy, Updated: ci.Updated}
	}
	gd, _ := s.cfg.Admin.(GroupDirectory)
	if gd != nil {
		seen, err := gd.GroupsSeen(ctx)
		if err != nil {
			return bot.WithKind(err, bot.ErrUnavailable)
		}
		for _, gs := range seen {
			g := byID[gs.ChatID]
			if g == nil {
				g = &groupJSON{ChatID: gs.ChatID}
				byID[gs.ChatID] = g
			}
			g.SeenKind, g.Messages, g.LastSeen = gs.Kind, gs.Messages, gs.LastSeen
		}
	}
	people := map[string]map[string]bool{}
	for _, v := range vs {
		if v.ChatID == "" {
			continue // a direct message is no group
		}
		g := byID[v.ChatID]
		if g == nil {
			g = &groupJSON{ChatID: v.ChatID}
			byID[v.ChatID] = g
		}
		if g.SeenKind == "" {
			g.SeenKind = v.ChatKind
		}
		if v.Withdrawn != nil {
			continue // a false alarm is no violation of the group's
		}
		g.Violations++
		if v.Time.After(g.LastViolation) {
			g.LastViolation = v.Time
		}
		if people[v.ChatID] == nil {
			people[v.ChatID] = map[string]bool{}
		}
		people[v.ChatID][v.From] = true
	}
	out := make([]groupJSON, 0, len(byID))
	var owners []string
	cache, _ := s.cfg.Admin.(CacheReader)
	for _, g := range byID {
		g.People = len(people[g.ChatID])
		if g.Owner == "" && cache != nil && g.SeenKind != "" {
			// The owner the sender looked up (appchat/get, groupchat/get,
			// msgaudit groupchat/get), when it did.
			var owner string
			if ok, err := cache.CacheGet(ctx, "owner:"+g.SeenKind+":"+g.ChatID, &owner); err == nil && ok {
				g.Owner = owner
			}
		}
		if g.Owner != "" {
			owners = append(owners, g.Owner)
		}
		out = append(out, *g)
	}
	if ns, ok := s.cfg.Admin.(NameStore); ok && len(owners) > 0 {
		names, err := ns.MemberNames(ctx, owners)
		if err != nil {
			return bot.WithKind(err, bot.ErrUnavailable)
		}
		for i := range out {
			out[i].OwnerName = names[out[i].Owner].Name
		}
	}
	if gd != nil && len(out) > 0 {
		ids := make([]string, len(out))
		for i, g := range out {
			ids[i] = g.ChatID
		}
		names, err := gd.GroupNames(ctx, ids)
		if err != nil {
			return bot.WithKind(err, bot.ErrUnavailable)
		}
		for i := range out {
			out[i].WeComName = names[out[i].ChatID]
		}
	}
	slices.SortFunc(out, func(a, b groupJSON) int {
		if ac, bc := a.Kind != "", b.Kind != ""; ac != bc {
			if !ac {
				return -1
			}
			return 1
		}
		if n := cmp.Compare(b.Violations, a.Violations); n != 0 {
			return n
		}
		if n := b.LastSeen.Compare(a.LastSeen); n != 0 {
			return n
		}
		return cmp.Compare(a.ChatID, b.ChatID)
	})
	c.JSON(http.StatusOK, gin.H{"groups": out, "days": days, "capped": capped})
	return nil
}

// offenderJSON is one person with several violations in the window.
type offenderJSON struct {
	User       string         `json:"user"`
	Name       string         `json:"name,omitempty"`
	Violations int            `json:"violations"`
	Categories map[string]int `json:"categories"`
	Last       time.Time      `json:"last"`
	CaseID     string         `json:"case_id,omitempty"` // the newest violation's case
}

// offenders lists the repeat offenders of the window (two violations or
// more), most violations first, for the dashboard.
func (s *Server) offenders(c *gin.Context) error {
	days, err := windowParam(c)
	if err != nil {
		return err
	}
	n, err := limitParam(c, 10, 100)
	if err != nil {
		return err
	}
	vs, capped, err := s.recentViolations(c, days)
	if err != nil {
		return err
	}
	by := map[string]*offenderJSON{}
	for _, v := range vs { // newest first
		if v.Withdrawn != nil {
			continue // withdrawn as a false alarm: it does not count
		}
		o := by[v.From]
		if o == nil {
			o = &offenderJSON{User: v.From, Categories: map[string]int{}, Last: v.Time, CaseID: v.CaseID}
			by[v.From] = o
		}
		o.Violations++
		seen := map[string]bool{}
		for _, h := range v.Hits {
			if !seen[h.Category] {
				seen[h.Category] = true
				o.Categories[h.Category]++
			}
		}
		if o.CaseID == "" {
			o.CaseID = v.CaseID
		}
	}
	out := []offenderJSON{}
	var ids []string
	for _, o := range by {
		if o.Violations >= 2 {
			out = append(out, *o)
			ids = append(ids, o.User)
		}
	}
	slices.SortFunc(out, func(a, b offenderJSON) int {
		if n := cmp.Compare(b.Violations, a.Violations); n != 0 {
			return n
		}
		if n := b.Last.Compare(a.Last); n != 0 {
			return n
		}
		return cmp.Compare(a.User, b.User)
	})
	if len(out) > n {
		out = out[:n]
	}
	if ns, ok := s.cfg.Admin.(NameStore); ok && len(ids) > 0 {
		names, err := ns.MemberNames(c.Request.Context(), ids)
		if err != nil {
			return bot.WithKind(err, bot.ErrUnavailable)
		}
		for i := range out {
			out[i].Name = names[out[i].User].Name
		}
	}
	c.JSON(http.StatusOK, gin.H{"offenders": out, "days": days, "capped": capped})
	return nil
}
