package rules

import (
	"bytes"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// An edit of a word list as lines cut and inserted (the store keeps each
// save's delta in this form, bot.Policy applies it): only the lines the
// edit touched are read and checked, and for each word on them its first
// line in the new content is looked up, so an edit of a few words in a
// 50,000-word list costs in proportion to those words, not to the list.

// ListHunk is an edit of one word list file: Data is the file's new
// content, in which the whole lines Added, at byte offset At, replaced the
// whole lines Removed.
type ListHunk struct {
	Data           []byte
	At             int
	Removed, Added []byte
}

// hunkLookups is how many words an edit looks up in the new content one
// by one (a search of the content each); more are found in one pass over
// its lines.
const hunkLookups = 16

// WithListHunks returns rs with the edits (by List.File) applied to its
// word lists, and the words whose entry changed (added, removed, or given
// another severity): the words WithListFiles would read anew, without
// reading the rest of the lists. Words not on the touched lines keep
// their Line until the lists are read in full (the fold). ok is false when
// the edit cannot be applied so — a path that is not one of rs's word
// lists, an inserted line the loader refuses, an edit of the first line
// (a byte order mark), a list or the set over its limit —: the caller
// reads the files (WithListFiles, LoadFiles), which says what is wrong.
func (rs *RuleSet) WithListHunks(files map[string]ListHunk) (next *RuleSet, changed map[string]bool, ok bool) {
	n := *rs
	n.Categories = slices.Clone(rs.Categories)
	changed = map[string]bool{}
	var l loader
	found := 0
	total := len(rs.Allow)
	for ci := range n.Categories {
		c := &n.Categories[ci]
		cloned := false
		for li := range c.Lists {
			if h, hit := files[c.Lists[li].File]; hit && c.Lists[li].File != "" {
				if !cloned {
					c.Lists, cloned = slices.Clone(c.Lists), true
				}
				words, ok := l.hunkWords(c.Lists[li].File, c.Lists[li].Words, h, changed)
				if !ok {
					return nil, nil, false
				}
				c.Lists[li].Words = words
				found++
			}
			total += len(c.Lists[li].Words)
		}
	}
	if found != len(files) || total > MaxRuleSetEntries || len(changed) > MaxOverlayWords {
		return nil, nil, false
	}
	return &n, changed, true
}

// hunkWords returns the words of list file p, old before the edit h, and
// adds the words whose entry changed to changed.
func (l *loader) hunkWords(p string, old []Word, h ListHunk, changed map[string]bool) ([]Word, bool) {
	if h.At <= 0 || h.At+len(h.Added) > len(h.Data) || !utf8.Valid(h.Added) {
		return nil, false
	}
	touched := map[string]bool{}
	for _, part := range [][]byte{h.Removed, h.Added} {
		for line := range bytes.Lines(part) {
			word, sev, note, ok := splitLine(string(bytes.TrimSuffix(line, []byte("\n"))))
			if !ok {
				continue
			}
			e, ok := l.entry(p, 0, word, sev, note, false)
			if !ok {
				return nil, false
			}
			touched[e.Word] = true
		}
		if len(touched) > MaxOverlayWords {
			return nil, false
		}
	}
	if len(touched) == 0 {
		return old, true // comments and blank lines
	}
	now, ok := l.firstEntries(p, h.Data, touched)
	if !ok {
		return nil, false
	}
	may := lengthsOf(touched)
	out := make([]Word, 0, len(old)+len(now))
	for _, w := range old {
		if !may.has(w.Text) || !touched[w.Text] {
			out = append(out, w)
			continue
		}
		nw, listed := now[w.Text]
		if !listed {
			changed[w.Text] = true // removed
			continue
		}
		if nw.Severity != w.Severity {
			changed[w.Text] = true
		}
		out = append(out, nw)
		delete(now, w.Text)
	}
	added := make([]Word, 0, len(now))
	for _, w := range now {
		added = append(added, w)
		changed[w.Text] = true
	}
	slices.SortFunc(added, func(a, b Word) int { return a.Line - b.Line })
	out = append(out, added...)
	if len(out) > MaxListEntries {
		return nil, false
	}
	return out, true
}

// firstEntries returns the entry of each word of touched at its first line
// in the list file p (content data), as the loader reads it; a word no
// line holds any more is absent. ok is false when a line holding one is
// refused by the loader.
func (l *loader) firstEntries(p string, data []byte, touched map[string]bool) (map[string]Word, bool) {
	now := make(map[string]Word, len(touched))
	// at reads the line starting at byte start (line number n) and keeps
	// its entry if it is the first of a touched word (of want, when set).
	at := func(start, n int, want string) (end int, ok bool) {
		end = len(data)
		if i := bytes.IndexByte(data[start:], '\n'); i >= 0 {
			end = start + i
		}
		word, sev, note, isEntry := splitLine(string(data[start:end]))
		if !isEntry {
			return end, true
		}
		w := strings.TrimFunc(word, func(r rune) bool { return unicode.IsSpace(r) || r == '\uFEFF' })
		if _, seen := now[w]; seen || !touched[w] || (want != "" && w != want) {
			return end, true
		}
		e, ok := l.entry(p, n, word, sev, note, false)
		if !ok {
			return end, false
		}
		now[e.Word] = Word{Text: e.Word, Severity: e.Severity, Note: e.Note, Line: n}
		return end, true
	}
	if len(touched) <= hunkLookups {
		for t := range touched {
			counted, n := 0, 1 // lines before byte counted
			for from := 0; from < len(data); {
				i := bytes.Index(data[from:], []byte(t))
				if i < 0 {
					break
				}
				start := bytes.LastIndexByte(data[:from+i], '\n') + 1
				n += bytes.Count(data[counted:start], []byte("\n"))
				counted = start
				end, ok := at(start, n, t)
				if !ok {
					return nil, false
				}
				if _, found := now[t]; found {
					break
				}
				from = end + 1
			}
		}
		return now, true
	}
	for start, n := 0, 1; start < len(data); n++ {
		end, ok := at(start, n, "")
		if !ok {
			return nil, false
		}
		start = end + 1
	}
	return now, true
}

// wordLengths says which byte lengths a set of words has, to skip most
// words cheaply before a map lookup.
type wordLengths [MaxWordRunes*utf8.UTFMax + 1]bool

func lengthsOf(words map[string]bool) *wordLengths {
	var l wordLengths
	for w := range words {
		if len(w) < len(l) {
			l[len(w)] = true
		}
	}
	return &l
}

// has is false when no word of the set is as long as s.
func (l *wordLengths) has(s string) bool { return len(s) >= len(l) || l[len(s)] }

// listedAmong returns which of words rs's lists hold.
func listedAmong(rs *RuleSet, words map[string]bool) map[string]bool {
	may := lengthsOf(words)
	in := map[string]bool{}
	for _, c := range rs.Categories {
		for _, li := range c.Lists {
			for _, w := range li.Words {
				if may.has(w.Text) && words[w.Text] {
					in[w.Text] = true
				}
			}
		}
	}
	return in
}
