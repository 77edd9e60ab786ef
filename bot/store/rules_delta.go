package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Each save also stores its delta, the bytes it changed in each file, next
// to the files (a hash of version → delta under the {rules} tag, the last
// rulesDeltaHistory versions): a replica one version behind reads the
// delta alone and applies it to the files it holds, instead of reading
// every file again and reparsing the changed lists in full (bot.Policy).
// A replica further behind, or one that cannot apply the delta, reads the
// files as before.

// rulesDeltaHistory is how many versions' deltas are kept.
const rulesDeltaHistory = 8

// ErrInvalidDelta is returned by RulesDelta when the stored delta cannot
// be decoded; the caller reads the whole rule set instead.
var ErrInvalidDelta = errors.New("stored rule set delta is invalid")

// RulesDelta is what one save changed: the version it was made on and, for
// each file whose content changed, the lines replaced.
type RulesDelta struct {
	Base  int64      `json:"base"`
	Files []FileEdit `json:"files"`
	// Added and Removed name files the save created or dropped; a
	// replica reads the whole set then.
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
}

// FileEdit replaces Cut bytes at offset At of a file with Insert. At and
// At+Cut fall on line starts (or the end) of both contents, so the bytes
// cut and inserted are whole lines. Size and CRC (IEEE) are those of the
// file after the edit, to check it was applied to the right content.
type FileEdit struct {
	Path   string `json:"path"`
	At     int    `json:"at"`
	Cut    int    `json:"cut"`
	Insert []byte `json:"insert"`
	Size   int    `json:"size"`
	CRC    uint32 `json:"crc"`
}

// Apply returns old with e applied, or an error when old is not the
// content e was made from.
func (e FileEdit) Apply(old []byte) ([]byte, error) {
	if e.At < 0 || e.Cut < 0 || e.At+e.Cut > len(old) || len(old)-e.Cut+len(e.Insert) != e.Size {
		return nil, fmt.Errorf("%s: edit at %d (cut %d) does not fit the %d bytes held: %w", e.Path, e.At, e.Cut, len(old), ErrInvalidDelta)
	}
	out := make([]byte, 0, e.Size)
	out = append(append(append(out, old[:e.At]...), e.Insert...), old[e.At+e.Cut:]...)
	if crc32.ChecksumIEEE(out) != e.CRC {
		return nil, fmt.Errorf("%s: the edited content's checksum differs: %w", e.Path, ErrInvalidDelta)
	}
	return out, nil
}

// Cutout returns the bytes of old that e replaces.
func (e FileEdit) Cutout(old []byte) []byte { return old[e.At : e.At+e.Cut] }

// diffRules is the delta from files old (at version base) to next.
func diffRules(base int64, old, next map[string][]byte) *RulesDelta {
	d := &RulesDelta{Base: base, Files: []FileEdit{}}
	for p, data := range next {
		before, ok := old[p]
		switch {
		case !ok:
			d.Added = append(d.Added, p)
		case !bytes.Equal(before, data):
			d.Files = append(d.Files, fileEdit(p, before, data))
		}
	}
	for p := range old {
		if _, ok := next[p]; !ok {
			d.Removed = append(d.Removed, p)
		}
	}
	slices.SortFunc(d.Files, func(a, b FileEdit) int { return strings.Compare(a.Path, b.Path) })
	slices.Sort(d.Added)
	slices.Sort(d.Removed)
	return d
}

// fileEdit is the one edit that turns old into next: the lines between
// their common leading and trailing lines.
func fileEdit(path string, old, next []byte) FileEdit {
	p := 0
	for p < len(old) && p < len(next) && old[p] == next[p] {
		p++
	}
	p = bytes.LastIndexByte(old[:p], '\n') + 1 // back to a line start
	s := 0
	for s < len(old)-p && s < len(next)-p && old[len(old)-1-s] == next[len(next)-1-s] {
		s++
	}
	// The common tail from its first line start on (the byte before it is
	// then a newline of the common tail in both).
	tail := old[len(old)-s:]
	if i := bytes.IndexByte(tail, '\n'); i >= 0 && i+1 < len(tail) {
		s -= i + 1
	} else {
		s = 0
	}
	return FileEdit{Path: path, At: p, Cut: len(old) - s - p, Insert: next[p : len(next)-s], Size: len(next), CRC: crc32.ChecksumIEEE(next)}
}

var rulesDeltaScript = redis.NewScript(`
local v = tonumber(redis.call("GET", KEYS[1]) or "0")
if v ~= tonumber(ARGV[1]) + 1 then
  return {v, false}
end
return {v, redis.call("HGET", KEYS[2], v)}`)

// RulesDelta returns the stored rule set's version and, when it is from+1
// and its save stored one, its delta from version from (nil otherwise: the
// caller reads the files with Rules). An undecodable delta is
// ErrInvalidDelta, with the version.
func (s *Store) RulesDelta(ctx context.Context, from int64) (int64, *RulesDelta, error) {
	res, err := rulesDeltaScript.Run(ctx, s.rdb, []string{s.keyRulesVersion(), s.keyRulesDeltas()}, from).Slice()
	if err != nil {
		return 0, nil, fmt.Errorf("read rule set delta: %w", err)
	}
	v, _ := res[0].(int64)
	if len(res) < 2 || res[1] == nil {
		return v, nil, nil
	}
	raw, _ := res[1].(string)
	var d RulesDelta
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		return v, nil, fmt.Errorf("rule set version %d: %w (%v)", v, ErrInvalidDelta, err)
	}
	if d.Base != from {
		return v, nil, fmt.Errorf("rule set version %d: the delta is from version %d, not %d: %w", v, d.Base, from, ErrInvalidDelta)
	}
	return v, &d, nil
}
