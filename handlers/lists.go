package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"

	"strings"

	"github.com/gin-gonic/gin"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/rules"
)

// RulesStore is where the rule set lives (bot/store): files with a version.
type RulesStore interface {
	Rules(ctx context.Context) (map[string][]byte, int64, error)
	SaveRules(ctx context.Context, files map[string][]byte, expect int64) (int64, error)
}

// maxImportBody bounds a list import (50,000 entries of up to 64 runes fit).
const maxImportBody = 8 << 20

// rulesRoutes registers the keyword list and policy endpoints.
func (s *Server) rulesRoutes(api *gin.RouterGroup, readers, hr gin.HandlerFunc) {
	if s.cfg.Rules == nil {
		return
	}
	api.GET("/rules", readers, s.adapt(s.getRules))
	api.PUT("/rules", hr, s.adapt(s.putRules))
	api.GET("/lists", readers, s.adapt(s.listLists))
	api.POST("/lists", hr, s.adapt(s.createList))
	api.GET("/lists/:category/:name", readers, s.adapt(s.getList))
	api.DELETE("/lists/:category/:name", hr, s.adapt(s.deleteList))
	api.POST("/lists/:category/:name/words", hr, s.adapt(s.editWords))
	api.GET("/lists/:category/:name/export", readers, s.adapt(s.exportList))
	api.PUT("/lists/:category/:name/import", hr, s.adapt(s.importList))
}

// validationError carries the rule problems to the client: a refused
// change says which file and line is wrong, and the rules in force stay.
func validationError(err error) error {
	var ve *rules.ValidationError
	if errors.As(err, &ve) {
		return bot.WithKind(err, bot.ErrInvalid)
	}
	return err
}

// problemsOf returns the rule problems inside err, for the JSON answer.
func problemsOf(err error) []gin.H {
	var ve *rules.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	out := make([]gin.H, len(ve.Problems))
	for i, p := range ve.Problems {
		out[i] = gin.H{"file": p.File, "line": p.Line, "message": p.Msg}
	}
	return out
}

// changeRules applies edit to the stored rule set, validates and compiles
// the result, and saves it if nobody changed the set meanwhile (retrying
// the edit on a fresh copy a few times). It returns the new version.
func (s *Server) changeRules(ctx context.Context, edit func(files map[string][]byte) error) (int64, error) {
	for range 5 {
		files, v, err := s.cfg.Rules.Rules(ctx)
		if err != nil {
			return 0, bot.WithKind(err, bot.ErrUnavailable)
		}
		if err := edit(files); err != nil {
			return 0, err
		}
		if err := validateFiles(files); err != nil {
			return 0, err
		}
		nv, err := s.cfg.Rules.SaveRules(ctx, files, v)
		if errors.Is(err, store.ErrVersionConflict) {
			continue
		}
		if err != nil {
			return 0, bot.WithKind(err, bot.ErrUnavailable)
		}
		return nv, nil
	}
	return 0, fmt.Errorf("the rule set keeps changing; try again: %w", bot.ErrConflict)
}

// validateFiles loads and compiles a rule set as the replicas will.
func validateFiles(files map[string][]byte) error {
	rs, err := rules.LoadFiles(files)
	if err != nil {
		return validationError(err)
	}
	if _, err := rules.Compile(rs); err != nil {
		return bot.WithKind(fmt.Errorf("compile rule set: %w", err), bot.ErrInvalid)
	}
	return nil
}

func (s *Server) getRules(c *gin.Context) error {
	files, v, err := s.cfg.Rules.Rules(c.Request.Context())
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	c.JSON(http.StatusOK, gin.H{"version": v, "policy": string(files["policy.yaml"])})
	return nil
}

type putRulesRequest struct {
	Version int64  `json:"version"`
	Policy  string `json:"policy"`
}

// putRules replaces policy.yaml. The edit must name the version it was
// made on: a policy changed meanwhile is a 409, not a silent overwrite.
func (s *Server) putRules(c *gin.Context) error {
	var req putRulesRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Policy) == "" {
		return fmt.Errorf("policy is empty: %w", bot.ErrInvalid)
	}
	ctx := c.Request.Context()
	files, v, err := s.cfg.Rules.Rules(ctx)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	if req.Version != v {
		return fmt.Errorf("the rule set is at version %d, the edit was made on %d: reload and edit again: %w", v, req.Version, bot.ErrConflict)
	}
	before := string(files["policy.yaml"])
	files["policy.yaml"] = []byte(req.Policy)
	if err := validateFiles(files); err != nil {
		return err
	}
	nv, err := s.cfg.Rules.SaveRules(ctx, files, v)
	if errors.Is(err, store.ErrVersionConflict) {
		return bot.WithKind(err, bot.ErrConflict)
	}
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	if err := s.audit(c, "rules.update", "policy.yaml", before, req.Policy); err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"version": nv})
	return nil
}

// listInfo describes one list file.
type listInfo struct {
	Category string `json:"category"`
	Name     string `json:"name"`
	Path     string `json:"path"`
	Entries  int    `json:"entries"`
	Allow    bool   `json:"allow"`
	// Label and CategoryLabel are the policy's names for people (the
	// codes when the policy in force gives none).
	Label         string `json:"label"`
	CategoryLabel string `json:"category_label"`
	// Together is the list's together_lists threshold in the policy in
	// force: its words count only when this many different ones are in
	// one message; absent for other lists.
	Together int `json:"together,omitempty"`
}

func (s *Server) listLists(c *gin.Context) error {
	files, v, err := s.cfg.Rules.Rules(c.Request.Context())
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	var out []listInfo
	names := labelsOf(s.ruleSet())
	for p, data := range files {
		cat, name, err := rules.ParseListPath(p)
		if err != nil {
			continue // policy.yaml
		}
		entries, _ := rules.ParseList(p, data)
		li := listInfo{Category: cat, Name: name, Path: p, Entries: len(entries), Allow: cat == "allow",
			Label: names.list(cat + "/" + name), CategoryLabel: names.category(cat), Together: names.together[cat+"/"+name]}
		if li.Allow {
			li.CategoryLabel = "放行短语"
		}
		out = append(out, li)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	c.JSON(http.StatusOK, gin.H{"version": v, "lists": out})
	return nil
}

// listPath turns the route's category and name into the list's file path.
func listPath(c *gin.Context) (string, error) {
	p, err := rules.ListPath(c.Param("category"), c.Param("name"))
	if err != nil {
		return "", bot.WithKind(err, bot.ErrInvalid)
	}
	return p, nil
}

type createListRequest struct {
	Category string `json:"category"`
	Name     string `json:"name"`
	Header   string `json:"header"`
}

func (s *Server) createList(c *gin.Context) error {
	var req createListRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p, err := rules.ListPath(req.Category, req.Name)
	if err != nil {
		return bot.WithKind(err, bot.ErrInvalid)
	}
	v, err := s.changeRules(c.Request.Context(), func(files map[string][]byte) error {
		if _, ok := files[p]; ok {
			return fmt.Errorf("list %s exists already: %w", p, bot.ErrConflict)
		}
		files[p] = rules.FormatList(req.Header, nil)
		return nil
	})
	if err != nil {
		return err
	}
	if err := s.audit(c, "list.create", p, nil, gin.H{"header": req.Header}); err != nil {
		return err
	}
	c.JSON(http.StatusCreated, gin.H{"version": v, "path": p})
	return nil
}

func (s *Server) deleteList(c *gin.Context) error {
	p, err := listPath(c)
	if err != nil {
		return err
	}
	var before []byte
	v, err := s.changeRules(c.Request.Context(), func(files map[string][]byte) error {
		var ok bool
		if before, ok = files[p]; !ok {
			return fmt.Errorf("list %s: %w", p, bot.ErrNotFound)
		}
		delete(files, p)
		return nil
	})
	if err != nil {
		return err
	}
	if err := s.audit(c, "list.delete", p, string(before), nil); err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"version": v})
	return nil
}

// entryJSON is a list entry on the wire.
type entryJSON struct {
	Word     string `json:"word"`
	Severity string `json:"severity,omitempty"`
	Note     string `json:"note,omitempty"`
}

func toJSON(es []rules.ListEntry) []entryJSON {
	out := make([]entryJSON, len(es))
	for i, e := range es {
		out[i] = entryJSON{Word: e.Word, Note: e.Note}
		if e.Severity != rules.SeverityNone {
			out[i].Severity = e.Severity.String()
		}
	}
	return out
}

func (s *Server) getList(c *gin.Context) error {
	p, err := listPath(c)
	if err != nil {
		return err
	}
	files, v, err := s.cfg.Rules.Rules(c.Request.Context())
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	data, ok := files[p]
	if !ok {
		return fmt.Errorf("list %s: %w", p, bot.ErrNotFound)
	}
	entries, _ := rules.ParseList(p, data)
	if q := strings.TrimSpace(c.Query("q")); q != "" {
		entries = slices.DeleteFunc(entries, func(e rules.ListEntry) bool {
			return !strings.Contains(e.Word, q) && !strings.Contains(e.Note, q)
		})
	}
	c.JSON(http.StatusOK, gin.H{"version": v, "path": p, "header": rules.ListHeader(data), "entries": toJSON(entries)})
	return nil
}

type editWordsRequest struct {
	Add    []entryJSON `json:"add"`
	Remove []string    `json:"remove"`
}

// fromJSON turns wire entries into list entries, refusing unknown severities.
func fromJSON(in []entryJSON) ([]rules.ListEntry, error) {
	out := make([]rules.ListEntry, len(in))
	for i, e := range in {
		out[i] = rules.ListEntry{Word: e.Word, Note: e.Note}
		if e.Severity != "" {
			sev, ok := rules.ParseSeverity(e.Severity)
			if !ok {
				return nil, fmt.Errorf("word %q: severity %q: use low, medium, high or critical: %w", e.Word, e.Severity, bot.ErrInvalid)
			}
			out[i].Severity = sev
		}
	}
	return out, nil
}

// editWords adds and removes words of a list in bulk.
func (s *Server) editWords(c *gin.Context) error {
	p, err := listPath(c)
	if err != nil {
		return err
	}
	var req editWordsRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if len(req.Add)+len(req.Remove) == 0 {
		return fmt.Errorf("nothing to add or remove: %w", bot.ErrInvalid)
	}
	add, err := fromJSON(req.Add)
	if err != nil {
		return err
	}
	var before int
	var after int
	v, err := s.changeRules(c.Request.Context(), func(files map[string][]byte) error {
		data, ok := files[p]
		if !ok {
			return fmt.Errorf("list %s: %w (create it first)", p, bot.ErrNotFound)
		}
		old, _ := rules.ParseList(p, data)
		edited, problems := rules.EditList(data, add, req.Remove)
		if len(problems) > 0 {
			return validationError(&rules.ValidationError{Problems: problems})
		}
		now, _ := rules.ParseList(p, edited)
		before, after = len(old), len(now)
		files[p] = edited
		return nil
	})
	if err != nil {
		return err
	}
	if err := s.audit(c, "list.edit", p, gin.H{"entries": before}, gin.H{"entries": after, "added": req.Add, "removed": req.Remove}); err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"version": v, "entries": after})
	return nil
}

func (s *Server) exportList(c *gin.Context) error {
	p, err := listPath(c)
	if err != nil {
		return err
	}
	files, _, err := s.cfg.Rules.Rules(c.Request.Context())
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	data, ok := files[p]
	if !ok {
		return fmt.Errorf("list %s: %w", p, bot.ErrNotFound)
	}
	name := c.Param("category") + "-" + c.Param("name")
	switch c.DefaultQuery("format", "txt") {
	case "txt":
		c.Header("Content-Disposition", `attachment; filename="`+name+`.txt"`)
		c.Data(http.StatusOK, "text/plain; charset=utf-8", data)
	case "csv":
		entries, _ := rules.ParseList(p, data)
		c.Header("Content-Disposition", `attachment; filename="`+name+`.csv"`)
		c.Data(http.StatusOK, "text/csv; charset=utf-8", rules.ListToCSV(entries))
	default:
		return fmt.Errorf("format %q: use txt or csv: %w", c.Query("format"), bot.ErrInvalid)
	}
	return nil
}

// importList replaces (mode=replace, the default) or extends (mode=append)
// a list with an uploaded text or CSV file; the list is created if needed.
func (s *Server) importList(c *gin.Context) error {
	p, err := listPath(c)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxImportBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return fmt.Errorf("import over %d bytes: %w", maxImportBody, bot.ErrTooLarge)
		}
		return bot.WithKind(err, bot.ErrInvalid)
	}
	var entries []rules.ListEntry
	var problems []rules.Problem
	switch c.DefaultQuery("format", "txt") {
	case "txt":
		entries, problems = rules.ParseList(p, body)
	case "csv":
		entries, problems = rules.ListFromCSV(body)
	default:
		return fmt.Errorf("format %q: use txt or csv: %w", c.Query("format"), bot.ErrInvalid)
	}
	if len(problems) > 0 {
		return validationError(&rules.ValidationError{Problems: problems})
	}
	mode := c.DefaultQuery("mode", "replace")
	if mode != "replace" && mode != "append" {
		return fmt.Errorf("mode %q: use replace or append: %w", mode, bot.ErrInvalid)
	}
	var before int
	var count int
	v, err := s.changeRules(c.Request.Context(), func(files map[string][]byte) error {
		data := files[p]
		old, _ := rules.ParseList(p, data)
		before = len(old)
		if mode == "append" && data != nil {
			edited, probs := rules.EditList(data, entries, nil)
			if len(probs) > 0 {
				return validationError(&rules.ValidationError{Problems: probs})
			}
			files[p] = edited
		} else {
			files[p] = rules.FormatList(rules.ListHeader(data), entries)
		}
		now, _ := rules.ParseList(p, files[p])
		count = len(now)
		return nil
	})
	if err != nil {
		return err
	}
	if err := s.audit(c, "list.import", p, gin.H{"entries": before}, gin.H{"entries": count, "mode": mode, "format": c.DefaultQuery("format", "txt")}); err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"version": v, "entries": count})
	return nil
}
