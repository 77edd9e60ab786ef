package handlers

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
)

// NameStore is the directory of names the console shows instead of ids:
// HR's imported CSV and the names WeCom gave (bot/store.Store is one).
// Like RefStore it is found on the admin store.
type NameStore interface {
	ImportDirectory(ctx context.Context, ms []store.Member, replace bool) (int64, error)
	DirectorySize(ctx context.Context) (int64, error)
	MemberNames(ctx context.Context, ids []string) (map[string]store.Member, error)
}

// Bounds of the directory's input.
const (
	maxDirectoryBody = 8 << 20 // a CSV of some 100,000 people
	maxNameIDs       = 500     // ids one names request may ask for
	maxNameLen       = 64      // runes of a userid, a name, a department
)

func (s *Server) nameStore() (NameStore, error) {
	ns, ok := s.cfg.Admin.(NameStore)
	if !ok {
		return nil, fmt.Errorf("this admin store keeps no directory: %w", bot.ErrUnavailable)
	}
	return ns, nil
}

// names answers the names of people (users=a,b) and group chats
// (chats=x,y) the console shows — HR's names first, then WeCom's — and of
// departments (departments=2,3: WeCom's names); ids nobody named are left
// out.
func (s *Server) names(c *gin.Context) error {
	users, chats := splitIDs(c.Query("users")), splitIDs(c.Query("chats"))
	if len(users) > maxNameIDs || len(chats) > maxNameIDs {
		return fmt.Errorf("ask for at most %d users and %d chats at once: %w", maxNameIDs, maxNameIDs, bot.ErrInvalid)
	}
	ns, err := s.nameStore()
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	people, err := ns.MemberNames(ctx, users)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	groups := map[string]string{}
	if len(chats) > 0 {
		infos, err := s.cfg.Admin.Chats(ctx)
		if err != nil {
			return bot.WithKind(err, bot.ErrUnavailable)
		}
		want := map[string]bool{}
		for _, id := range chats {
			want[id] = true
		}
		for _, ci := range infos {
			if want[ci.ChatID] && ci.Name != "" {
				groups[ci.ChatID] = ci.Name
			}
		}
		if gd, ok := s.cfg.Admin.(GroupDirectory); ok {
			// The names WeCom gave, where HR set none: HR's name wins.
			var unnamed []string
			for _, id := range chats {
				if groups[id] == "" {
					unnamed = append(unnamed, id)
				}
			}
			names, err := gd.GroupNames(ctx, unnamed)
			if err != nil {
				return bot.WithKind(err, bot.ErrUnavailable)
			}
			for id, n := range names {
				groups[id] = n
			}
		}
	}
	depts := map[string]string{}
	if ids := splitIDs(c.Query("departments")); len(ids) > 0 {
		if len(ids) > maxNameIDs {
			return fmt.Errorf("ask for at most %d departments at once: %w", maxNameIDs, bot.ErrInvalid)
		}
		if dn, ok := s.cfg.Admin.(DepartmentNamer); ok {
			if depts, err = dn.DepartmentNames(ctx, ids); err != nil {
				return bot.WithKind(err, bot.ErrUnavailable)
			}
		}
	}
	c.JSON(http.StatusOK, gin.H{"users": people, "chats": groups, "departments": depts})
	return nil
}

// splitIDs reads a comma-separated list, without empty or repeated ids.
func splitIDs(v string) []string {
	var out []string
	seen := map[string]bool{}
	for _, id := range strings.Split(v, ",") {
		id = strings.TrimSpace(id)
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func (s *Server) directoryInfo(c *gin.Context) error {
	ns, err := s.nameStore()
	if err != nil {
		return err
	}
	n, err := ns.DirectorySize(c.Request.Context())
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	c.JSON(http.StatusOK, gin.H{"members": n})
	return nil
}

// importDirectory reads HR's directory CSV — userid,name,department, one
// person a line, a header line allowed, UTF-8 with or without BOM (as
// Excel saves it) — and adds it to the directory (mode=replace: replaces
// it). A bad line refuses the whole file, naming the line.
func (s *Server) importDirectory(c *gin.Context) error {
	ns, err := s.nameStore()
	if err != nil {
		return err
	}
	mode := c.DefaultQuery("mode", "append")
	if mode != "append" && mode != "replace" {
		return fmt.Errorf("mode must be append or replace: %w", bot.ErrInvalid)
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxDirectoryBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return fmt.Errorf("directory over %d bytes: %w", maxDirectoryBody, bot.ErrTooLarge)
		}
		return fmt.Errorf("read directory: %v: %w", err, bot.ErrInvalid)
	}
	ms, err := parseDirectory(body)
	if err != nil {
		return err
	}
	n, err := ns.ImportDirectory(c.Request.Context(), ms, mode == "replace")
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	if err := s.audit(c, "directory.import", "", nil, nil); err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"imported": len(ms), "members": n})
	return nil
}

// directoryHeader is a first line naming the columns, in English or in
// Chinese (as WeCom's own member export names them).
var directoryHeader = map[string]bool{"userid": true, "user_id": true, "账号": true, "帐号": true, "成员账号": true, "姓名": true}

// parseDirectory reads the directory CSV (see importDirectory).
func parseDirectory(data []byte) ([]store.Member, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("the directory is not UTF-8 text (save it from Excel as “CSV UTF-8”): %w", bot.ErrInvalid)
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	var out []store.Member
	seen := map[string]int{}
	for line := 1; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("directory line %d: %v: %w", line, err, bot.ErrInvalid)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if line == 1 && directoryHeader[strings.ToLower(strings.TrimSpace(rec[0]))] {
			continue
		}
		if len(rec) < 2 || len(rec) > 3 {
			return nil, fmt.Errorf("directory line %d: want userid,name,department (department may be left out), got %d fields: %w", line, len(rec), bot.ErrInvalid)
		}
		m := store.Member{UserID: strings.TrimSpace(rec[0]), Name: strings.TrimSpace(rec[1])}
		if len(rec) == 3 {
			m.Department = strings.TrimSpace(rec[2])
		}
		for what, v := range map[string]string{"userid": m.UserID, "name": m.Name, "department": m.Department} {
			if (v == "" && what != "department") || utf8.RuneCountInString(v) > maxNameLen || strings.ContainsFunc(v, unicode.IsControl) {
				return nil, fmt.Errorf("directory line %d: %s must be 1 to %d characters without control characters: %w", line, what, maxNameLen, bot.ErrInvalid)
			}
		}
		if first, dup := seen[m.UserID]; dup {
			return nil, fmt.Errorf("directory line %d: userid %q is on line %d already: %w", line, m.UserID, first, bot.ErrInvalid)
		}
		seen[m.UserID] = line
		out = append(out, m)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the directory names nobody (one person a line: userid,name,department): %w", bot.ErrInvalid)
	}
	return out, nil
}
