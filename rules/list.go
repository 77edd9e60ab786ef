package rules

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Limits of a rule set, enforced by LoadDir, ParseList, EditList and
// ListFromCSV. They keep one rule set small enough to compile in well under
// a second and to travel through Redis as one value per list.
const (
	// MaxListEntries is the most entries one list file may hold.
	MaxListEntries = 50_000
	// MaxRuleSetEntries is the most list entries (word lists and allow
	// lists together) one rule set may hold.
	MaxRuleSetEntries = 200_000
	// MaxListNameLen is the longest list file name, without ".txt".
	MaxListNameLen = 64
	// MaxCategoryNameLen is the longest category name.
	MaxCategoryNameLen = 32
)

// bom is the UTF-8 byte order mark Windows editors and Excel put first.
const bom = "\uFEFF"

var (
	listFileName = regexp.MustCompile(`^[a-z0-9_-]{1,64}\.txt$`)
	categoryName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
)

const (
	listNameRule     = "must be 1 to 64 lowercase letters, digits, '_' or '-', followed by .txt"
	categoryNameRule = "must start with a lowercase letter and hold at most 32 lowercase letters, digits or '_' (it is a folder name under lists/)"
)

// ListEntry is one entry of a word list or allow list as HR edits it.
type ListEntry struct {
	Word string
	// Severity overrides the rule's severity for hits of this word;
	// SeverityNone leaves it to the rule. Allow phrases take none.
	Severity Severity
	Note     string
}

// ListPath returns the path of list name of category inside a rule
// directory, "lists/<category>/<name>.txt"; category "allow" names the
// global allow lists. It refuses names the loader would refuse.
func ListPath(category, name string) (string, error) {
	if category != allowCategory && !categoryName.MatchString(category) {
		return "", fmt.Errorf("list path: category name %q %s", category, categoryNameRule)
	}
	if !listFileName.MatchString(name + ".txt") {
		return "", fmt.Errorf("list path: list name %q must be 1 to %d lowercase letters, digits, '_' or '-'", name, MaxListNameLen)
	}
	return path.Join(listsDir, category, name+".txt"), nil
}

// ParseListPath splits a list path made by ListPath into its category and
// list name.
func ParseListPath(p string) (category, name string, err error) {
	parts := strings.Split(p, "/")
	if len(parts) != 3 || parts[0] != listsDir || !listFileName.MatchString(parts[2]) ||
		(parts[1] != allowCategory && !categoryName.MatchString(parts[1])) {
		return "", "", fmt.Errorf("parse list path %q: want lists/<category>/<name>.txt, where the category %s and the file name %s", p, categoryNameRule, listNameRule)
	}
	return parts[1], strings.TrimSuffix(parts[2], ".txt"), nil
}

// isAllowPath reports whether the list file p holds allow phrases.
func isAllowPath(p string) bool { return path.Base(path.Dir(p)) == allowCategory }

// ParseList parses the list file name (its path in the rule directory, such
// as "lists/ads/spam.txt"; a file under lists/allow takes no severities)
// with the loader's checks and messages. It returns the entries the loader
// would accept, each word once, and a problem for every line it would
// refuse. ListHeader returns the file's leading comment.
func ParseList(name string, data []byte) ([]ListEntry, []Problem) {
	var l loader
	words := l.parseList(name, data, isAllowPath(name))
	entries := make([]ListEntry, len(words))
	for i, w := range words {
		entries[i] = ListEntry{Word: w.Text, Severity: w.Severity, Note: w.Note}
	}
	return entries, l.problems
}

// ListHeader returns the comment that leads a list file: its text up to
// the first entry, "#" and blank lines kept, line breaks as "\n".
func ListHeader(data []byte) string {
	text := strings.ReplaceAll(string(bytes.TrimPrefix(data, []byte(bom))), "\r\n", "\n")
	end := 0
	for end < len(text) {
		line, _, _ := strings.Cut(text[end:], "\n")
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
			break
		}
		end += len(line) + 1
	}
	return text[:min(end, len(text))]
}

// FormatList writes a list file: header as leading comment lines ("# " is
// added to lines that lack it), then one entry a line in the form
// word<TAB>severity<TAB>note, trailing empty fields left out. Entries are
// written as given; validate them first (ParseList, EditList, ListFromCSV).
// FormatList(ListHeader(data), entries of ParseList(data)) gives back a list
// file written in this form.
func FormatList(header string, entries []ListEntry) []byte {
	var b bytes.Buffer
	if header != "" {
		header = strings.TrimSuffix(strings.ReplaceAll(header, "\r\n", "\n"), "\n")
		for _, line := range strings.Split(header, "\n") {
			line = strings.TrimRight(line, "\r")
			if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
				b.WriteString("# ")
			}
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	for _, e := range entries {
		b.WriteString(formatEntry(e))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// oneLine keeps a field on its line of a list file.
var oneLine = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")

func formatEntry(e ListEntry) string {
	word := oneLine.Replace(strings.ReplaceAll(strings.TrimSpace(e.Word), "\t", " "))
	note := oneLine.Replace(strings.TrimSpace(e.Note))
	sev := ""
	if e.Severity != SeverityNone {
		sev = e.Severity.String()
	}
	switch {
	case note != "":
		return word + "\t" + sev + "\t" + note
	case sev != "":
		return word + "\t" + sev
	default:
		return word
	}
}

// editFile is the File of problems about EditList's added entries; their
// Line is the entry's 1-based index in add.
const editFile = "add"

// EditList adds and removes entries of the list file data, keeping its
// comments, blank lines and order. An added word already in the file
// replaces its line (so an edit updates its severity and note); a new one is
// appended. A removed word goes with all its lines; repeated lines of a
// word are dropped, so every word is left once. Removing a word the file
// does not hold is not a problem.
//
// Added entries are checked as the loader checks a list line; problems
// about them name File "add" and the entry's 1-based index as Line. When
// there is any problem, data is returned unchanged: an edit applies whole or
// not at all. EditList cannot tell an allow list from a word list, so load
// the edited rule set (LoadFiles) before saving it.
func EditList(data []byte, add []ListEntry, remove []string) ([]byte, []Problem) {
	var l loader
	adds := make([]ListEntry, 0, len(add))
	addAt := map[string]int{} // word → index in adds
	for i, a := range add {
		sev := ""
		if a.Severity != SeverityNone {
			if a.Severity > SeverityCritical {
				l.addf(editFile, i+1, "entry %q has an unknown severity (%d)", strings.TrimSpace(a.Word), a.Severity)
				continue
			}
			sev = a.Severity.String()
		}
		e, ok := l.entry(editFile, i+1, a.Word, sev, a.Note, false)
		if !ok {
			continue
		}
		if j, dup := addAt[e.Word]; dup {
			adds[j] = e // the last edit of a word wins
			continue
		}
		addAt[e.Word] = len(adds)
		adds = append(adds, e)
	}
	drop := make(map[string]bool, len(remove))
	for _, r := range remove {
		r = strings.TrimSpace(r)
		if _, both := addAt[r]; both {
			at := slices.IndexFunc(add, func(e ListEntry) bool { return strings.TrimSpace(e.Word) == r })
			l.addf(editFile, at+1, "entry %q is both added and removed; keep one of the two", r)
			continue
		}
		drop[r] = true
	}
	if len(l.problems) > 0 {
		return data, l.problems
	}

	hasBOM := bytes.HasPrefix(data, []byte(bom))
	text := string(bytes.TrimPrefix(data, []byte(bom)))
	eol := "\n"
	if strings.Contains(text, "\r\n") {
		eol = "\r\n"
	}
	text = strings.TrimSuffix(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var lines []string
	if text != "" {
		lines = strings.Split(text, "\n")
	}
	out := make([]string, 0, len(lines)+len(adds))
	seen := map[string]bool{}
	entries := 0
	for _, line := range lines {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			out = append(out, line)
			continue
		}
		word, _, _ := strings.Cut(line, "\t")
		word = strings.TrimSpace(word)
		if drop[word] || seen[word] {
			continue
		}
		seen[word] = true
		entries++
		if j, ok := addAt[word]; ok {
			line = formatEntry(adds[j])
		}
		out = append(out, line)
	}
	for _, a := range adds {
		if !seen[a.Word] {
			seen[a.Word] = true
			entries++
			out = append(out, formatEntry(a))
		}
	}
	if entries > MaxListEntries {
		l.addf(editFile, 0, "the list would hold %d entries (at most %d); split it into several files", entries, MaxListEntries)
		return data, l.problems
	}
	var b strings.Builder
	if hasBOM {
		b.WriteString(bom)
	}
	for _, line := range out {
		b.WriteString(line)
		b.WriteString(eol)
	}
	return []byte(b.String()), nil
}

// csvFile is the File of problems about CSV input; their Line is the line
// in the CSV text.
const csvFile = "csv"

// csvColumns is the header of the CSV form of a list.
var csvColumns = [...]string{"word", "severity", "note"}

// ListToCSV writes entries as CSV with the header word,severity,note. The
// text starts with a UTF-8 byte order mark so that Excel reads it as UTF-8
// rather than the local code page, and every cell goes through CSVCell, so
// that no cell runs as a formula; ListFromCSV reads the cells back as they
// were.
func ListToCSV(entries []ListEntry) []byte {
	var b bytes.Buffer
	b.WriteString(bom)
	w := csv.NewWriter(&b)
	// Writes to a bytes.Buffer do not fail.
	_ = w.Write(csvColumns[:])
	for _, e := range entries {
		sev := ""
		if e.Severity != SeverityNone {
			sev = e.Severity.String()
		}
		_ = w.Write([]string{CSVCell(e.Word), sev, CSVCell(e.Note)})
	}
	w.Flush()
	return b.Bytes()
}

// formulaStart holds what a spreadsheet reads as the start of a formula
// (OWASP's list for CSV injection: = + - @, TAB and CR).
const formulaStart = "=+-@\t\r"

// CSVCell returns s as a CSV cell a spreadsheet shows as text: a cell
// starting with = + - @, TAB or CR gets a leading apostrophe, and so does
// one starting with an apostrophe before one of those or before another
// apostrophe, so that reading strips exactly the one added (a word "'=x"
// is written with two apostrophes and read back as "'=x"). Every CSV
// export uses it.
func CSVCell(s string) string {
	if s == "" {
		return s
	}
	if strings.ContainsRune(formulaStart, rune(s[0])) ||
		(s[0] == '\'' && len(s) > 1 && strings.ContainsRune(formulaStart+"'", rune(s[1]))) {
		return "'" + s
	}
	return s
}

// csvUncell undoes CSVCell: one leading apostrophe before a formula start
// or another apostrophe is dropped. An apostrophe before anything else is
// the cell's own (a spreadsheet user's "'abc" stays "'abc").
func csvUncell(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune(formulaStart+"'", rune(s[1])) {
		return s[1:]
	}
	return s
}

// ListFromCSV reads list entries from CSV such as ListToCSV writes or a
// spreadsheet saves: an optional header row (a first row with a cell
// "word") naming the columns word, severity and note in any order (without one, the columns are taken in
// that order), a leading UTF-8 byte order mark tolerated. Entries are
// checked as the loader checks a list line; problems name File "csv" and
// the CSV line. A repeated word is read once, at its first row.
func ListFromCSV(data []byte) ([]ListEntry, []Problem) {
	var l loader
	if !utf8.Valid(data) {
		l.addf(csvFile, 0, "the file is not UTF-8; save it as UTF-8 (in Excel: \"CSV UTF-8\")")
		return nil, l.problems
	}
	data = bytes.TrimPrefix(data, []byte(bom))
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	cols := map[string]int{"word": 0, "severity": 1, "note": 2}
	var entries []ListEntry
	seen := map[string]bool{}
	for first := true; ; first = false {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line, err = pe.Line, pe.Err
			}
			l.addf(csvFile, line, "bad CSV (%v); quote cells that hold commas or quotes, and double the quotes inside them", err)
			break
		}
		line, _ := r.FieldPos(0)
		if first && isCSVHeader(rec) {
			cols = map[string]int{}
			for i, c := range rec {
				c = strings.ToLower(strings.TrimSpace(c))
				switch {
				case c == "":
				case c != "word" && c != "severity" && c != "note":
					l.addf(csvFile, line, "unknown column %q; the columns are word, severity and note", c)
				default:
					cols[c] = i
				}
			}
			continue
		}
		cell := func(name string) string {
			i, ok := cols[name]
			if !ok || i >= len(rec) {
				return ""
			}
			return csvUncell(strings.TrimSpace(rec[i]))
		}
		extra := false
		for i, c := range rec {
			if strings.TrimSpace(c) != "" && !isColumn(cols, i) {
				extra = true
			}
		}
		if extra {
			l.addf(csvFile, line, "the row has %d cells; the columns are word, severity and note (quote a cell that holds a comma)", len(rec))
			continue
		}
		if cell("word") == "" && cell("severity") == "" && cell("note") == "" {
			continue
		}
		e, ok := l.entry(csvFile, line, cell("word"), cell("severity"), cell("note"), false)
		if !ok || seen[e.Word] {
			continue
		}
		seen[e.Word] = true
		entries = append(entries, e)
	}
	if len(entries) > MaxListEntries {
		l.addf(csvFile, 0, "the CSV holds %d entries (at most %d in one list); split it into several lists", len(entries), MaxListEntries)
	}
	return entries, l.problems
}

func isCSVHeader(rec []string) bool {
	for _, c := range rec {
		if strings.EqualFold(strings.TrimSpace(c), "word") {
			return true
		}
	}
	return false
}

func isColumn(cols map[string]int, i int) bool {
	for _, c := range cols {
		if c == i {
			return true
		}
	}
	return false
}
