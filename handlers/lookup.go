package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
)

// RefStore resolves the short references printed in warnings and alerts
// ("（记录 1d991024）"); bot/store.Store is one. It is looked up on the admin
// store rather than added to AdminStore, so the admin API's fakes need not
// implement it.
type RefStore interface {
	ResolveRef(ctx context.Context, ref string) ([]store.RefMatch, error)
}

// lookupRoutes registers the look-ups behind the console's search box:
// one violation, a reference, and a query that may be either (or a case).
// consoleRoutes calls it.
func (s *Server) lookupRoutes(api *gin.RouterGroup, all gin.HandlerFunc) {
	api.GET("/violations/:id", all, s.adapt(s.getViolation))
	api.GET("/refs/:ref", all, s.adapt(s.resolveRef))
	api.GET("/lookup", all, s.adapt(s.lookup))
}

// lookupMatch is one thing a search names, with what the console needs to
// show it in a sentence and to open it.
type lookupMatch struct {
	Type      string    `json:"type"` // violation or case: the page that opens it
	ID        string    `json:"id"`   // the violation's or the case's id
	Violation string    `json:"violation,omitempty"`
	CaseID    string    `json:"case_id,omitempty"`
	Kind      string    `json:"kind,omitempty"` // the action that carried the reference
	Time      time.Time `json:"time,omitzero"`
	From      string    `json:"from,omitempty"`
	ChatID    string    `json:"chat_id,omitempty"`
}

// getViolation returns one violation as the list does (no raw text,
// has_raw saying whether there is one); an owner sees only their chats'.
func (s *Server) getViolation(c *gin.Context) error {
	id := c.Param("id")
	v, ok, err := s.visibleViolation(c, id)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("violation %q: %w", id, bot.ErrNotFound)
	}
	out := violationJSON{Violation: v, HasRaw: v.Raw != ""}
	out.Raw = ""
	c.JSON(http.StatusOK, out)
	return nil
}

// visibleViolation reads violation id if the caller may see it: an owner
// does not learn that violations of other chats exist.
func (s *Server) visibleViolation(c *gin.Context, id string) (store.Violation, bool, error) {
	v, ok, err := s.cfg.Admin.Violation(c.Request.Context(), id)
	if err != nil {
		return store.Violation{}, false, bot.WithKind(err, bot.ErrUnavailable)
	}
	if !ok {
		return store.Violation{}, false, nil
	}
	scope, err := s.ownerScope(c)
	if err != nil {
		return store.Violation{}, false, err
	}
	if scope != nil && (v.ChatID == "" || !slices.Contains(scope, v.ChatID)) {
		return store.Violation{}, false, nil
	}
	return v, true, nil
}

func (s *Server) resolveRef(c *gin.Context) error {
	ref, ok := store.NormalizeRef(c.Param("ref"))
	if !ok {
		return fmt.Errorf("%q is not a reference (eight hex digits, as in “记录 1d991024”): %w", c.Param("ref"), bot.ErrInvalid)
	}
	ms, err := s.refMatches(c, ref)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"ref": ref, "matches": ms})
	return nil
}

// refMatches resolves ref to what the caller may see. The HR escalation's
// reference opens the case; the others open the violation.
func (s *Server) refMatches(c *gin.Context, ref string) ([]lookupMatch, error) {
	rs, ok := s.cfg.Admin.(RefStore)
	if !ok {
		return nil, fmt.Errorf("this admin store does not resolve references: %w", bot.ErrUnavailable)
	}
	found, err := rs.ResolveRef(c.Request.Context(), ref)
	if err != nil {
		return nil, bot.WithKind(err, bot.ErrUnavailable)
	}
	out := []lookupMatch{}
	for _, m := range found {
		v, ok, err := s.visibleViolation(c, m.Violation)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		lm := lookupMatch{Type: "violation", ID: v.ID, Violation: v.ID, CaseID: v.CaseID, Kind: m.Kind, Time: v.Time, From: v.From, ChatID: v.ChatID}
		if m.Kind == string(bot.ActEscalateHR) && v.CaseID != "" {
			lm.Type, lm.ID = "case", v.CaseID
		}
		out = append(out, lm)
	}
	return out, nil
}

// maxQuery bounds a search query.
const maxQuery = 256

// lookup answers the search box: a reference, a violation id or a case id
// (in that order); matches is empty when the query names nothing.
func (s *Server) lookup(c *gin.Context) error {
	q := strings.TrimSpace(c.Query("q"))
	if q == "" || len(q) > maxQuery {
		return fmt.Errorf("q must be a reference, a violation id or a case id of at most %d bytes: %w", maxQuery, bot.ErrInvalid)
	}
	out := []lookupMatch{}
	if ref, ok := store.NormalizeRef(q); ok {
		ms, err := s.refMatches(c, ref)
		if err != nil {
			return err
		}
		out = append(out, ms...)
	}
	if v, ok, err := s.visibleViolation(c, q); err != nil {
		return err
	} else if ok {
		out = append(out, lookupMatch{Type: "violation", ID: v.ID, Violation: v.ID, CaseID: v.CaseID, Time: v.Time, From: v.From, ChatID: v.ChatID})
	}
	cs, ok, err := s.cfg.Admin.Case(c.Request.Context(), q)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	if ok {
		visible := true
		if scope, err := s.ownerScope(c); err != nil {
			return err
		} else if scope != nil {
			if visible, err = s.caseInScope(c.Request.Context(), cs, scope); err != nil {
				return err
			}
		}
		if visible {
			out = append(out, lookupMatch{Type: "case", ID: cs.ID, CaseID: cs.ID, Time: cs.Opened, From: cs.User})
		}
	}
	c.JSON(http.StatusOK, gin.H{"query": q, "matches": out})
	return nil
}

// uiRef opens what a reference names, as a link in a warning or an alert
// (/ui/r/1d991024): signed in, straight to the violation or the case when
// the reference names one thing; otherwise to the console's search, which
// signs in first and lets the reader choose.
func (s *Server) uiRef(c *gin.Context) error {
	raw := c.Param("ref")
	ref, ok := store.NormalizeRef(raw)
	if !ok {
		c.Redirect(http.StatusFound, "/ui/#search/"+url.PathEscape(raw))
		return nil
	}
	target := "/ui/#search/" + ref
	if user, role, signedIn, err := s.sessionPrincipal(c); err == nil && signedIn && role == RoleEmployee {
		// An employee opens their own record, or their page: nothing says
		// whether the reference names someone else's.
		c.Set(principalKey, principal{User: user, Role: role})
		target = "/ui/#mine"
		if _, err := s.ownViolation(c); err == nil {
			target = "/ui/#mine/" + ref
		}
	} else if err == nil && signedIn {
		c.Set(principalKey, principal{User: user, Role: role})
		if ms, err := s.refMatches(c, ref); err == nil && len(ms) == 1 {
			target = "/ui/#" + ms[0].pageName() + "/" + url.PathEscape(ms[0].ID)
		}
	}
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusFound, target)
	return nil
}

// pageName is the console page that opens the match.
func (m lookupMatch) pageName() string {
	if m.Type == "case" {
		return "cases"
	}
	return "violations"
}
