package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// Reading the word lists: the files under lists/, each entry of them
// checked as the matcher will take it (load.go reads policy.yaml and
// builds the rule set around them).

// lists reads lists/<category>/*.txt into cats and returns the global allow
// phrases from lists/allow.
func (l *loader) lists(cats []Category, raw []rawCategory) []Word {
	index := map[string]int{}
	for i, c := range cats {
		index[c.Name] = i
	}
	var allow []Word
	err := fs.WalkDir(l.fsys, listsDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == listsDir && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll // a policy of detectors and regexes only
			}
			l.addf(p, 0, "cannot read (%v)", err)
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") && p != listsDir {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		parts := strings.Split(p, "/")
		if d.IsDir() {
			if len(parts) > 2 {
				l.addf(p, 0, "list folders do not nest; move its files to %s", path.Join(parts[:2]...))
				return fs.SkipDir
			}
			if len(parts) == 2 && parts[1] != allowCategory {
				if _, ok := index[parts[1]]; !ok {
					l.addf(p, 0, "category %q is not declared in policy.yaml (declared: %s); add it under categories: or rename the folder", parts[1], categoryNames(cats))
					return fs.SkipDir
				}
			}
			return nil
		}
		if len(parts) != 3 {
			l.addf(p, 0, "word lists belong in lists/<category>/<name>.txt; move the file into a category folder")
			return nil
		}
		if path.Ext(p) != ".txt" {
			l.addf(p, 0, "only .txt files are read as word lists; rename it to end in .txt or remove it")
			return nil
		}
		if !listFileName.MatchString(parts[2]) {
			l.addf(p, 0, "list file name %q %s", parts[2], listNameRule)
			return nil
		}
		name := strings.TrimSuffix(parts[2], ".txt")
		words := l.readList(p, parts[1] == allowCategory)
		if parts[1] == allowCategory {
			allow = append(allow, words...)
			return nil
		}
		ci := index[parts[1]]
		cats[ci].Lists = append(cats[ci].Lists, List{Name: name, Label: name, File: p, Words: words})
		return nil
	})
	if err != nil {
		l.addf(listsDir, 0, "cannot walk the lists (%v)", err)
	}
	total := len(allow)
	for _, c := range cats {
		for _, li := range c.Lists {
			total += len(li.Words)
		}
	}
	if total > MaxRuleSetEntries {
		l.addf(listsDir, 0, "the rule set holds %d list entries (at most %d); remove unused entries or lists", total, MaxRuleSetEntries)
	}
	// Form opt-ins (pinyin, initials, homophones, split), per category or per list.
	for i, rc := range raw {
		ci, ok := index[rc.Name]
		if !ok || cats[ci].Name != rc.Name {
			continue
		}
		opts := []struct {
			key  string
			all  bool
			some []string
			set  func(*List)
		}{
			{"pinyin_lists", rc.Pinyin, rc.PinyinLists, func(li *List) { li.Pinyin = true }},
			{"initials_lists", rc.Initials, rc.InitialsLists, func(li *List) { li.Initials = true }},
			{"homophones_lists", rc.Homophones, rc.HomophonesLists, func(li *List) { li.Homophones = true }},
			{"split_lists", rc.Split, rc.SplitLists, func(li *List) { li.Split = true }},
			{"split_only_lists", false, rc.SplitOnlyLists, func(li *List) { li.SplitOnly = true }},
		}
		l.listLabels(cats, ci, i, rc)
		l.intercept(cats, ci, i, rc)
		l.togetherLists(cats, ci, i, rc)
		for _, o := range opts {
			if o.all {
				for j := range cats[ci].Lists {
					o.set(&cats[ci].Lists[j])
				}
			}
			for j, name := range o.some {
				k := slices.IndexFunc(cats[ci].Lists, func(li List) bool { return li.Name == name })
				if k < 0 {
					l.addf(policyFile, l.line("categories", i, o.key, j), "category %q: %s names %q but there is no lists/%s/%s.txt; name a list file of the category without .txt", rc.Name, o.key, name, rc.Name, name)
					continue
				}
				o.set(&cats[ci].Lists[k])
			}
		}
		for j := range cats[ci].Lists {
			if cats[ci].Lists[j].SplitOnly {
				// WeCom's intercept rules match words as written: a
				// split-only list (枪) would block every news link.
				cats[ci].Lists[j].Intercept = InterceptOff
			}
		}
	}
	return allow
}

// listLabels sets the labels of category ci's lists from rc.ListLabels,
// refusing labels of lists the category does not have.
func (l *loader) listLabels(cats []Category, ci, i int, rc rawCategory) {
	for _, name := range slices.Sorted(maps.Keys(rc.ListLabels)) { // problems in a stable order
		label := strings.TrimSpace(rc.ListLabels[name])
		k := slices.IndexFunc(cats[ci].Lists, func(li List) bool { return li.Name == name })
		switch {
		case k < 0:
			l.addf(policyFile, l.line("categories", i, "list_labels"), "category %q: list_labels names %q but there is no lists/%s/%s.txt; name a list file of the category without .txt", rc.Name, name, rc.Name, name)
		case label == "":
			l.addf(policyFile, l.line("categories", i, "list_labels"), "category %q: list_labels gives %q an empty label; write its Chinese name or remove the entry", rc.Name, name)
		default:
			cats[ci].Lists[k].Label = label
		}
	}
}

// maxTogether bounds together_lists: more different words than this in
// one message is no threshold a list of single words should need.
const maxTogether = 8

// togetherLists sets the Together threshold of category ci's lists from
// rc.TogetherLists, refusing lists the category does not have, thresholds
// that would make the option meaningless and lists intercept_lists names.
// It runs after intercept, whose category-wide mode it takes back from
// the together lists.
func (l *loader) togetherLists(cats []Category, ci, i int, rc rawCategory) {
	for _, name := range slices.Sorted(maps.Keys(rc.TogetherLists)) { // problems in a stable order
		n := rc.TogetherLists[name]
		k := slices.IndexFunc(cats[ci].Lists, func(li List) bool { return li.Name == name })
		switch {
		case k < 0:
			l.addf(policyFile, l.line("categories", i, "together_lists"), "category %q: together_lists names %q but there is no lists/%s/%s.txt; name a list file of the category without .txt", rc.Name, name, rc.Name, name)
		case n < 2 || n > maxTogether:
			l.addf(policyFile, l.line("categories", i, "together_lists"), "category %q: together_lists gives %q %d; give how many different words of the list one message must hold, 2 to %d (a single word is what an ordinary list is for)", rc.Name, name, n, maxTogether)
		case rc.InterceptLists[name] != "" && cats[ci].Lists[k].Intercept != InterceptOff:
			// WeCom intercepts single words: it would block each one alone.
			l.addf(policyFile, l.line("categories", i, "together_lists"), "category %q: list %q is both a together list and a WeCom intercept list; WeCom would block each of its words alone, so leave it out of intercept or intercept_lists", rc.Name, name)
		default:
			cats[ci].Lists[k].Together = n
			// A category's intercept leaves its together lists out: WeCom
			// would block each of their words alone.
			cats[ci].Lists[k].Intercept = InterceptOff
			l.togetherOverlap(cats, ci, k)
		}
	}
}

// togetherOverlap refuses a word of together list k of category ci that
// any other list holds: the engine sees one word, named after one of its
// lists for each rule, and would either count the other list's word only
// together (赌博 dropped when alone) or enforce the together list's word
// alone.
func (l *loader) togetherOverlap(cats []Category, ci, k int) {
	in := map[string]bool{}
	tl := cats[ci].Lists[k]
	for _, w := range tl.Words {
		in[w.Text] = true
	}
	for cj, c := range cats {
		for j, li := range c.Lists {
			if cj == ci && j == k {
				continue
			}
			for _, w := range li.Words {
				if in[w.Text] {
					l.addf(tl.File, 0, "%q is in together list %s/%s and in list %s/%s; keep it in one of them", w.Text, cats[ci].Name, tl.Name, c.Name, li.Name)
				}
			}
		}
	}
}

func categoryNames(cats []Category) string {
	if len(cats) == 0 {
		return "none"
	}
	names := make([]string, len(cats))
	for i, c := range cats {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

// readList reads and parses one list file.
func (l *loader) readList(p string, isAllow bool) []Word {
	data, err := fs.ReadFile(l.fsys, p)
	if err != nil {
		l.addf(p, 0, "cannot read (%v)", err)
		return nil
	}
	return l.parseList(p, data, isAllow)
}

// parseList parses the list file p: an entry a line, "#" comment lines and
// blank lines ignored, optionally "word<TAB>severity<TAB>note". A repeated
// entry is read once, at its first line. ParseList shares it, so an entry
// the loader refuses is refused there with the same message.
func (l *loader) parseList(p string, data []byte, isAllow bool) []Word {
	if !utf8.Valid(data) {
		l.addf(p, 0, "the file is not UTF-8; save it as UTF-8 text")
		return nil
	}
	data = bytes.TrimPrefix(data, []byte(bom))
	var words []Word
	seen := map[string]bool{}
	for n, line := range strings.Split(string(data), "\n") {
		lineNo := n + 1
		word, sev, note, ok := splitLine(line)
		if !ok {
			continue
		}
		e, ok := l.entry(p, lineNo, word, sev, note, isAllow)
		if !ok || seen[e.Word] {
			continue
		}
		seen[e.Word] = true
		words = append(words, Word{Text: e.Word, Severity: e.Severity, Note: e.Note, Line: lineNo})
	}
	if len(words) > MaxListEntries {
		l.addf(p, 0, "the list holds %d entries (at most %d); split it into several files", len(words), MaxListEntries)
	}
	return words
}

// splitLine splits a line of a list file (without its "\n") into the
// entry's fields; ok is false for a comment or blank line.
func splitLine(line string) (word, sev, note string, ok bool) {
	line = strings.TrimRight(line, "\r")
	if t := strings.TrimSpace(line); t == "" || strings.HasPrefix(t, "#") {
		return "", "", "", false
	}
	fields := strings.SplitN(line, "\t", 3)
	if len(fields) > 1 {
		sev = fields[1]
	}
	if len(fields) > 2 {
		note = fields[2]
	}
	return fields[0], sev, note, true
}

// entry checks one list entry given as text (from a list file line, a CSV
// record or an edit) and reports what is wrong at file:line.
func (l *loader) entry(file string, line int, word, sev, note string, isAllow bool) (ListEntry, bool) {
	// A byte order mark is invisible and would be taken for the file's
	// own when the word starts a written list: trimmed like a space.
	e := ListEntry{Word: strings.TrimFunc(word, func(r rune) bool { return unicode.IsSpace(r) || r == '\uFEFF' }), Note: strings.TrimSpace(note)}
	if !utf8.ValidString(e.Word) || !utf8.ValidString(e.Note) || !utf8.ValidString(sev) {
		// Only edits can produce this: files and CSV are checked whole.
		l.addf(file, line, "entry %q is not valid UTF-8 text", e.Word)
		return e, false
	}
	if msg := l.checkWord(e.Word); msg != "" {
		l.addf(file, line, "entry %q %s", e.Word, msg)
		return e, false
	}
	switch {
	case strings.HasPrefix(e.Word, "#"):
		// Only edits and CSV can produce this: in a list file the line is a
		// comment.
		l.addf(file, line, "entry %q starts with '#', which marks a comment line in a list file; drop the '#' (symbols are ignored when matching)", e.Word)
		return e, false
	case strings.ContainsAny(e.Word, "\t"):
		l.addf(file, line, "entry %q contains a TAB, which separates the word from its severity in a list file; replace it with a space", e.Word)
		return e, false
	case strings.ContainsAny(e.Note, "\r\n"):
		l.addf(file, line, "the note of %q spans several lines; write it on one line", e.Word)
		return e, false
	}
	if s := strings.TrimSpace(sev); s != "" {
		if isAllow {
			l.addf(file, line, "allow phrases take no severity; remove %q", s)
			return e, false
		}
		v, ok := ParseSeverity(s)
		if !ok {
			l.addf(file, line, "unknown severity %q (known: low, medium, high, critical); the form is word<TAB>severity<TAB>note", s)
			return e, false
		}
		e.Severity = v
	}
	return e, true
}

// checkWord returns what is wrong with a list entry, allow phrase or
// company name, or "". It folds the word as the matcher will (package
// moderation's Normalizer), so every word it accepts also compiles: noise
// between characters is ignored, so a word of noise alone matches nothing,
// and sentence punctuation always separates words, so a word containing it
// could never match.
func (l *loader) checkWord(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "is empty; remove it"
	}
	if n := utf8.RuneCountInString(s); n > MaxWordRunes {
		return fmt.Sprintf("is %d characters long (at most %d); shorten it or split it into several entries", n, MaxWordRunes)
	}
	if l.norm == nil {
		l.norm = moderation.NewNormalizer()
	}
	l.runes, _, _ = l.norm.Append(s, l.runes[:0], l.offs[:0])
	letters := 0
	for _, r := range l.runes {
		switch l.norm.ClassOf(r) {
		case moderation.ClassNoise:
		case moderation.ClassSeparator:
			return "contains sentence punctuation (，。！？；、… or a line break), which always separates words; split it into two entries or drop the punctuation"
		default:
			letters++
		}
	}
	if letters == 0 {
		return "is empty after normalization (only spaces, punctuation, symbols or invisible characters); remove it or add letters"
	}
	return ""
}

func (l *loader) companyNames(rs *RuleSet, cats []Category) {
	if len(rs.Company.Names) == 0 {
		return
	}
	ci := slices.IndexFunc(cats, func(c Category) bool { return c.Name == rs.Company.NamesCategory })
	if ci < 0 {
		l.addf(policyFile, l.line("company", "names"), "company: names are enforced under category %q, which is not declared; declare it or set names_category", rs.Company.NamesCategory)
		return
	}
	words := make([]Word, len(rs.Company.Names))
	for i, n := range rs.Company.Names {
		words[i] = Word{Text: n, Line: l.line("company", "names", i)}
	}
	cats[ci].Lists = append(cats[ci].Lists, List{Name: companyList, Label: "公司名称", File: policyFile, Words: words})
}
