package rules

import (
	"bytes"
	"encoding/csv"
	"io/fs"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func problemStrings(ps []Problem) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

func TestParseList(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		data     string
		want     []ListEntry
		problems []string
	}{
		{
			name: "plain, severity, note",
			file: "lists/ads/spam.txt",
			data: "# spam\n刷单\n洗钱\tcritical\tmoney laundering\n\n日结\t\tnote only\n",
			want: []ListEntry{{Word: "刷单"}, {Word: "洗钱", Severity: SeverityCritical, Note: "money laundering"}, {Word: "日结", Note: "note only"}},
		},
		{
			name: "BOM, CRLF and spaces",
			file: "lists/ads/spam.txt",
			data: "\uFEFF刷单 \r\n  兼职\tlow \r\n",
			want: []ListEntry{{Word: "刷单"}, {Word: "兼职", Severity: SeverityLow}},
		},
		{
			name: "repeated entry read once",
			file: "lists/ads/spam.txt",
			data: "刷单\n刷单\thigh\n",
			want: []ListEntry{{Word: "刷单"}},
		},
		{
			name: "note keeps its tabs",
			file: "lists/ads/spam.txt",
			data: "刷单\tlow\ta\tb\n",
			want: []ListEntry{{Word: "刷单", Severity: SeverityLow, Note: "a\tb"}},
		},
		{
			name:     "bad lines",
			file:     "lists/ads/spam.txt",
			data:     "ok\n刷单，返利\nx\tvery\n" + strings.Repeat("长", 65) + "\n~~\n",
			want:     []ListEntry{{Word: "ok"}},
			problems: []string{`lists/ads/spam.txt:2: entry "刷单，返利" contains sentence punctuation`, `lists/ads/spam.txt:3: unknown severity "very"`, `lists/ads/spam.txt:4: entry`, `lists/ads/spam.txt:5: entry "~~" is empty after normalization`},
		},
		{
			name:     "allow list takes no severity",
			file:     "lists/allow/common.txt",
			data:     "大麻烦\n长江大桥\thigh\n",
			want:     []ListEntry{{Word: "大麻烦"}},
			problems: []string{`lists/allow/common.txt:2: allow phrases take no severity; remove "high"`},
		},
		{
			name:     "not UTF-8",
			file:     "lists/ads/gbk.txt",
			data:     "\xb6\xc4\xb2\xa9\n",
			problems: []string{`lists/ads/gbk.txt: the file is not UTF-8`},
		},
		{name: "empty", file: "lists/ads/e.txt", data: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, problems := ParseList(tc.file, []byte(tc.data))
			if len(got) != len(tc.want) || (len(got) > 0 && !reflect.DeepEqual(got, tc.want)) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			ps := problemStrings(problems)
			if len(ps) != len(tc.problems) {
				t.Fatalf("got problems %q, want %d: %q", ps, len(tc.problems), tc.problems)
			}
			for i, w := range tc.problems {
				if !strings.HasPrefix(ps[i], w) {
					t.Errorf("problem %d: got %q, want it to start with %q", i, ps[i], w)
				}
			}
		})
	}
}

// TestParseListAgreesWithLoader checks that ParseList refuses exactly what
// the loader refuses, with the same messages.
func TestParseListAgreesWithLoader(t *testing.T) {
	tests := []struct {
		name, file, data string
	}{
		{"bad entries", "lists/bad/x.txt", "ok\n刷单，返利\n赌场\tvery\n\u200b\n" + strings.Repeat("长", 65) + "\n"},
		{"allow severity", "lists/allow/x.txt", "长江大桥\thigh\n"},
		{"not utf-8", "lists/bad/gbk.txt", "\xb6\xc4\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, problems := ParseList(tc.file, []byte(tc.data))
			if len(problems) == 0 {
				t.Fatalf("ParseList found no problem")
			}
			_, err := LoadDir(policyFS(validPolicy, tc.file, tc.data))
			if err == nil {
				t.Fatalf("LoadDir accepted what ParseList refused: %q", problemStrings(problems))
			}
			for _, p := range problems {
				if !strings.Contains(err.Error(), p.String()) {
					t.Errorf("LoadDir error\n%v\nlacks ParseList's problem\n%s", err, p)
				}
			}
		})
	}
}

// TestListRoundTrip checks FormatList(ListHeader(d), ParseList(d)) == d for
// every list of the default policy and for written forms of each field.
func TestListRoundTrip(t *testing.T) {
	files := map[string]string{
		"lists/x/fields.txt":      "# header\n#\n# more\n\n刷单\n洗钱\tcritical\tmoney laundering\n日结\t\tnote only\n兼职\tlow\n",
		"lists/x/no-header.txt":   "刷单\n",
		"lists/x/header-only.txt": "# nothing yet\n",
		"lists/x/blank-first.txt": "\n刷单\n",
		"lists/x/empty.txt":       "",
	}
	defaults, err := DefaultFiles()
	if err != nil {
		t.Fatal(err)
	}
	for p, data := range defaults {
		if strings.HasSuffix(p, ".txt") {
			files[p] = string(data)
		}
	}
	if len(files) < 10 {
		t.Fatalf("only %d list files", len(files))
	}
	for p, data := range files {
		t.Run(p, func(t *testing.T) {
			entries, problems := ParseList(p, []byte(data))
			if len(problems) > 0 {
				t.Fatalf("ParseList: %q", problemStrings(problems))
			}
			got := string(FormatList(ListHeader([]byte(data)), entries))
			if got != data {
				t.Errorf("got\n%q\nwant\n%q", got, data)
			}
		})
	}
}

func TestFormatList(t *testing.T) {
	tests := []struct {
		name    string
		header  string
		entries []ListEntry
		want    string
	}{
		{"header without #", "Spam words.\n\n# kept\n", []ListEntry{{Word: "刷单"}}, "# Spam words.\n\n# kept\n刷单\n"},
		{"no header", "", []ListEntry{{Word: "a", Severity: SeverityHigh}}, "a\thigh\n"},
		{"note on one line", "", []ListEntry{{Word: " a ", Note: "line 1\nline 2\r\n"}}, "a\t\tline 1 line 2\n"},
		{"tab in word", "", []ListEntry{{Word: "a\tb"}}, "a b\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(FormatList(tc.header, tc.entries)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestListHeader(t *testing.T) {
	tests := []struct{ data, want string }{
		{"# a\n# b\n词\n# not header\n", "# a\n# b\n"},
		{"\uFEFF# a\r\n\r\n词\n", "# a\n\n"},
		{"词\n", ""},
		{"# only\n", "# only\n"},
		{"# no newline", "# no newline"},
		{"\n\n词", "\n\n"},
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.data, func(t *testing.T) {
			if got := ListHeader([]byte(tc.data)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestEditList(t *testing.T) {
	const file = "# spam\n刷单\n\n# quick money\n日结\tlow\n躺赚\n"
	tests := []struct {
		name     string
		data     string
		add      []ListEntry
		remove   []string
		want     string
		problems []string
	}{
		{"add new", file, []ListEntry{{Word: "月入过万", Severity: SeverityMedium, Note: "n"}}, nil,
			file + "月入过万\tmedium\tn\n", nil},
		{"update in place", file, []ListEntry{{Word: "日结", Severity: SeverityHigh, Note: "raised"}}, nil,
			"# spam\n刷单\n\n# quick money\n日结\thigh\traised\n躺赚\n", nil},
		{"update clears severity", file, []ListEntry{{Word: " 日结 "}}, nil,
			"# spam\n刷单\n\n# quick money\n日结\n躺赚\n", nil},
		{"remove keeps comments", file, nil, []string{"日结", " 躺赚", "不在表里"},
			"# spam\n刷单\n\n# quick money\n", nil},
		{"add and remove", file, []ListEntry{{Word: "a"}, {Word: "b"}}, []string{"刷单"},
			"# spam\n\n# quick money\n日结\tlow\n躺赚\na\nb\n", nil},
		{"duplicates in file dropped", "a\nb\na\thigh\n", nil, nil, "a\nb\n", nil},
		{"duplicates in add: last wins", "", []ListEntry{{Word: "a"}, {Word: "b"}, {Word: "a", Severity: SeverityLow}}, nil,
			"a\tlow\nb\n", nil},
		{"empty file", "", []ListEntry{{Word: "a"}}, nil, "a\n", nil},
		{"no trailing newline", "a", []ListEntry{{Word: "b"}}, nil, "a\nb\n", nil},
		{"CRLF and BOM kept", "\uFEFF# h\r\na\r\n", []ListEntry{{Word: "b"}}, nil, "\uFEFF# h\r\na\r\nb\r\n", nil},
		{"bad entries refuse the edit", file,
			[]ListEntry{{Word: "ok"}, {Word: "~~"}, {Word: "#话题"}, {Word: "a\tb"}, {Word: "a", Note: "x\ny"}, {Word: "a", Severity: Severity(9)}, {Word: "\xb70"}}, nil,
			file, []string{
				`add:2: entry "~~" is empty after normalization`,
				`add:3: entry "#话题" starts with '#'`,
				`add:4: entry "a\tb" contains a TAB`,
				`add:5: the note of "a" spans several lines`,
				`add:6: entry "a" has an unknown severity (9)`,
				`add:7: entry "\xb70" is not valid UTF-8 text`,
			}},
		{"added and removed", file, []ListEntry{{Word: "x"}, {Word: "刷单"}}, []string{"刷单"},
			file, []string{`add:2: entry "刷单" is both added and removed; keep one of the two`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, problems := EditList([]byte(tc.data), tc.add, tc.remove)
			if string(got) != tc.want {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
			ps := problemStrings(problems)
			if len(ps) != len(tc.problems) {
				t.Fatalf("got problems %q, want %q", ps, tc.problems)
			}
			for i, w := range tc.problems {
				if !strings.HasPrefix(ps[i], w) {
					t.Errorf("problem %d: got %q, want it to start with %q", i, ps[i], w)
				}
			}
			if len(problems) == 0 {
				if _, again := ParseList("lists/ads/spam.txt", got); len(again) > 0 {
					t.Errorf("the edited list does not parse: %q", problemStrings(again))
				}
			}
		})
	}
}

func TestListCSVRoundTrip(t *testing.T) {
	entries := []ListEntry{
		{Word: "刷单"},
		{Word: "洗钱", Severity: SeverityCritical, Note: `note with "quotes", commas`},
		{Word: "=cmd", Note: "+formula-like"},
		{Word: "@a", Severity: SeverityLow, Note: "-1"},
	}
	data := ListToCSV(entries)
	if !bytes.HasPrefix(data, []byte("\uFEFFword,severity,note\n")) {
		t.Errorf("got %q, want a BOM and the header first", data)
	}
	for _, cell := range []string{"'=cmd", "'+formula-like", "'@a", "'-1"} {
		if !bytes.Contains(data, []byte(cell)) {
			t.Errorf("got %q, want the formula-like cell %q escaped", data, cell)
		}
	}
	got, problems := ListFromCSV(data)
	if len(problems) > 0 {
		t.Fatalf("ListFromCSV: %q", problemStrings(problems))
	}
	if !reflect.DeepEqual(got, entries) {
		t.Errorf("got %+v, want %+v", got, entries)
	}
}

// TestCSVCell is issue 11's CSV findings: cells starting with TAB or CR are
// neutralized like = + - @, and an apostrophe the cell already had
// survives export and import.
func TestCSVCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"=1+1", "'=1+1"}, {"+x", "'+x"}, {"-x", "'-x"}, {"@x", "'@x"},
		{"\tcmd", "'\tcmd"}, {"\rcmd", "'\rcmd"},
		{"'=x", "''=x"}, {"''x", "'''x"}, {"'abc", "'abc"}, {"'", "'"},
		{"刷单", "刷单"}, {"a=b", "a=b"}, {"", ""},
	}
	for _, tc := range tests {
		got := CSVCell(tc.in)
		if got != tc.want {
			t.Errorf("CSVCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if back := csvUncell(got); back != tc.in {
			t.Errorf("csvUncell(CSVCell(%q)) = %q, want it back", tc.in, back)
		}
	}
	entries := []ListEntry{{Word: "'=cmd", Note: "'+x"}, {Word: "''双引", Note: "'普通"}, {Word: "a", Note: "\tnote"}}
	data := ListToCSV(entries)
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte(bom)))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows[1:] {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("exported cell %q starts a formula", cell)
			}
		}
	}
	got, problems := ListFromCSV(data)
	if len(problems) > 0 {
		t.Fatalf("ListFromCSV: %q", problemStrings(problems))
	}
	want := []ListEntry{{Word: "'=cmd", Note: "'+x"}, {Word: "''双引", Note: "'普通"}, {Word: "a", Note: "note"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip: got %+v, want %+v", got, want)
	}
}

func TestListFromCSV(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		want     []ListEntry
		problems []string
	}{
		{"Excel: BOM and CRLF", "\uFEFFword,severity,note\r\n刷单,,\r\n洗钱,critical,\"a, b\"\r\n",
			[]ListEntry{{Word: "刷单"}, {Word: "洗钱", Severity: SeverityCritical, Note: "a, b"}}, nil},
		{"no header", "刷单\n洗钱,high\n", []ListEntry{{Word: "刷单"}, {Word: "洗钱", Severity: SeverityHigh}}, nil},
		{"header in another order", "Note, Word\nn1,刷单\n", []ListEntry{{Word: "刷单", Note: "n1"}}, nil},
		{"blank rows skipped", "word,severity,note\n,,\n\n刷单,,\n", []ListEntry{{Word: "刷单"}}, nil},
		{"repeated word read once", "a,low\na,high\n", []ListEntry{{Word: "a", Severity: SeverityLow}}, nil},
		{"quoted apostrophe kept when not a formula", "'abc\n", []ListEntry{{Word: "'abc"}}, nil},
		{"bad severity names its line", "word,severity,note\n刷单,,\n洗钱,severe,\n", []ListEntry{{Word: "刷单"}},
			[]string{`csv:3: unknown severity "severe"`}},
		{"bad entry", "word\n~~\n", nil, []string{`csv:2: entry "~~" is empty after normalization`}},
		{"line after a multi-line cell", "word,severity,note\na,,\"two\nlines\"\nb,x,\n", nil,
			[]string{`csv:2: the note of "a" spans several lines`, `csv:4: unknown severity "x"`}},
		{"too many cells", "word,severity,note\na,low,n,extra\n", nil,
			[]string{`csv:2: the row has 4 cells; the columns are word, severity and note`}},
		{"unknown column", "word,level\na,1\n", nil,
			[]string{`csv:1: unknown column "level"`, `csv:2: the row has 2 cells`}},
		{"bad quotes", "word\na\nb\"c\n", []ListEntry{{Word: "a"}},
			[]string{`csv:3: bad CSV (bare " in non-quoted-field)`}},
		{"not UTF-8", "word\n\xb6\xc4\n", nil, []string{`csv: the file is not UTF-8`}},
		{"empty", "", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, problems := ListFromCSV([]byte(tc.data))
			if len(got) != len(tc.want) || (len(got) > 0 && !reflect.DeepEqual(got, tc.want)) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			ps := problemStrings(problems)
			if len(ps) != len(tc.problems) {
				t.Fatalf("got problems %q, want %q", ps, tc.problems)
			}
			for i, w := range tc.problems {
				if !strings.HasPrefix(ps[i], w) {
					t.Errorf("problem %d: got %q, want it to start with %q", i, ps[i], w)
				}
			}
		})
	}
}

func TestListPath(t *testing.T) {
	tests := []struct {
		category, name, want string
	}{
		{"ads", "spam", "lists/ads/spam.txt"},
		{"allow", "common", "lists/allow/common.txt"},
		{"customer_data", "trade-2", "lists/customer_data/trade-2.txt"},
		{"Ads", "spam", ""},
		{"1ads", "spam", ""},
		{"ads-x", "spam", ""},
		{strings.Repeat("a", 33), "spam", ""},
		{"ads", "Spam", ""},
		{"ads", "", ""},
		{"ads", "a.b", ""},
		{"ads", "../x", ""},
		{"ads", strings.Repeat("a", 65), ""},
	}
	for _, tc := range tests {
		t.Run(tc.category+"/"+tc.name, func(t *testing.T) {
			got, err := ListPath(tc.category, tc.name)
			if got != tc.want || (err == nil) != (tc.want != "") {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
			if err != nil {
				return
			}
			cat, name, err := ParseListPath(got)
			if err != nil || cat != tc.category || name != tc.name {
				t.Errorf("ParseListPath(%q) = %q, %q, %v", got, cat, name, err)
			}
		})
	}
	for _, p := range []string{"lists/ads", "policy.yaml", "lists/ads/x/y.txt", "lists/ads/x.csv", "list/ads/x.txt"} {
		t.Run("parse "+p, func(t *testing.T) {
			if _, _, err := ParseListPath(p); err == nil {
				t.Errorf("ParseListPath(%q) accepted", p)
			}
		})
	}
}

func numberedWords(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString("w")
		b.WriteString(strconv.Itoa(i))
		b.WriteByte('\n')
	}
	return b.String()
}

func TestLimits(t *testing.T) {
	t.Run("list entries", func(t *testing.T) {
		entries, problems := ParseList("lists/ads/big.txt", []byte(numberedWords(MaxListEntries)))
		if len(problems) > 0 || len(entries) != MaxListEntries {
			t.Fatalf("at the limit: %d entries, problems %q", len(entries), problemStrings(problems))
		}
		_, problems = ParseList("lists/ads/big.txt", []byte(numberedWords(MaxListEntries+1)))
		want := "lists/ads/big.txt: the list holds 50001 entries (at most 50000); split it into several files"
		if len(problems) != 1 || problems[0].String() != want {
			t.Errorf("got %q, want %q", problemStrings(problems), want)
		}
	})
	t.Run("edit over the list limit", func(t *testing.T) {
		data := []byte(numberedWords(MaxListEntries))
		got, problems := EditList(data, []ListEntry{{Word: "one more"}}, nil)
		if len(problems) != 1 || !strings.Contains(problems[0].Msg, "would hold 50001 entries (at most 50000)") || !bytes.Equal(got, data) {
			t.Errorf("got problems %q, want the list limit and the data unchanged", problemStrings(problems))
		}
	})
	t.Run("csv entries", func(t *testing.T) {
		_, problems := ListFromCSV([]byte(numberedWords(MaxListEntries + 1)))
		if len(problems) != 1 || !strings.Contains(problems[0].String(), "csv: the CSV holds 50001 entries (at most 50000 in one list)") {
			t.Errorf("got %q", problemStrings(problems))
		}
	})
	t.Run("rule set entries", func(t *testing.T) {
		per := MaxRuleSetEntries / 4
		extra := []string{"lists/allow/one.txt", "a0\n"}
		for i := range 4 {
			extra = append(extra, "lists/bad/big"+strconv.Itoa(i)+".txt", numberedWords(per))
		}
		_, err := LoadDir(policyFS(validPolicy, extra...))
		// The four big lists, one.txt and validPolicy's own 6 entries.
		want := "lists: the rule set holds 200007 list entries (at most 200000)"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want %q", err, want)
		}
	})
	t.Run("list file name", func(t *testing.T) {
		_, err := LoadDir(policyFS(validPolicy, "lists/bad/Big Words.txt", "赌场\n"))
		want := `lists/bad/Big Words.txt: list file name "Big Words.txt" must be 1 to 64 lowercase letters, digits, '_' or '-', followed by .txt`
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want %q", err, want)
		}
	})
	for _, name := range []string{"Bad", "1bad", "bad-name", strings.Repeat("b", 33)} {
		t.Run("category name "+name, func(t *testing.T) {
			p := strings.Replace(validPolicy, "  - name: spam\n", "  - name: spam\n  - name: "+name+"\n", 1)
			_, err := LoadDir(policyFS(p))
			want := `policy.yaml:9: category name "` + name + `" must start with a lowercase letter and hold at most 32 lowercase letters, digits or '_'`
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("got %v, want %q", err, want)
			}
		})
	}
	t.Run("longest names", func(t *testing.T) {
		cat := "c" + strings.Repeat("_", MaxCategoryNameLen-1)
		p := strings.Replace(validPolicy, "  - name: spam\n", "  - name: spam\n  - name: "+cat+"\n", 1)
		list := "lists/" + cat + "/" + strings.Repeat("l", MaxListNameLen) + ".txt"
		if _, err := LoadDir(policyFS(p, list, "赌场\n")); err != nil {
			t.Errorf("LoadDir: %v", err)
		}
	})
}

// FuzzParseList checks that no list file panics ParseList, and that what it
// accepts survives FormatList and the loader unchanged.
func FuzzParseList(f *testing.F) {
	f.Add("# h\n刷单\n洗钱\tcritical\tnote\n")
	f.Add("\uFEFFa\r\n\tlow\n#\n\n")
	f.Add("a\t\t\tb\tc\n~~\n")
	f.Fuzz(func(t *testing.T, data string) {
		entries, problems := ParseList("lists/bad/fuzz.txt", []byte(data))
		header := ""
		if len(problems) == 0 {
			header = ListHeader([]byte(data))
		}
		out := FormatList(header, entries)
		again, problems := ParseList("lists/bad/fuzz.txt", out)
		if len(problems) > 0 {
			t.Fatalf("formatted list %q does not parse: %q", out, problemStrings(problems))
		}
		if len(again) != len(entries) || (len(again) > 0 && !reflect.DeepEqual(again, entries)) {
			t.Fatalf("round trip: got %+v, want %+v", again, entries)
		}
	})
}

// FuzzListFromCSV checks that no CSV panics ListFromCSV and that what it
// accepts survives ListToCSV.
func FuzzListFromCSV(f *testing.F) {
	f.Add("\uFEFFword,severity,note\r\n刷单,,\r\n洗钱,critical,\"a, b\"\r\n")
	f.Add("note,word\n\"x\"\"y\",=a\n")
	f.Add("a,b,c,d\n\"\n")
	f.Fuzz(func(t *testing.T, data string) {
		entries, _ := ListFromCSV([]byte(data))
		again, problems := ListFromCSV(ListToCSV(entries))
		if len(problems) > 0 {
			t.Fatalf("written CSV does not read: %q", problemStrings(problems))
		}
		if len(again) != len(entries) || (len(again) > 0 && !reflect.DeepEqual(again, entries)) {
			t.Fatalf("round trip: got %+v, want %+v", again, entries)
		}
	})
}

// FuzzEditList checks that no edit panics EditList and that an accepted
// edit leaves a list that parses and holds the added words.
func FuzzEditList(f *testing.F) {
	f.Add("# h\n刷单\n日结\tlow\n", "月入过万", "日结")
	f.Add("\uFEFFa\r\nb\r\n", "b", "a")
	f.Fuzz(func(t *testing.T, data, add, remove string) {
		if _, problems := ParseList("lists/bad/fuzz.txt", []byte(data)); len(problems) > 0 {
			return
		}
		out, problems := EditList([]byte(data), []ListEntry{{Word: add}}, []string{remove})
		if len(problems) > 0 {
			if !bytes.Equal(out, []byte(data)) {
				t.Fatalf("a refused edit changed the data")
			}
			return
		}
		entries, problems := ParseList("lists/bad/fuzz.txt", out)
		if len(problems) > 0 {
			t.Fatalf("edited list %q does not parse: %q", out, problemStrings(problems))
		}
		if !containsWord(entries, strings.TrimSpace(add)) {
			t.Fatalf("edited list %q lacks the added %q", out, add)
		}
	})
}

func containsWord(entries []ListEntry, w string) bool {
	for _, e := range entries {
		if e.Word == w {
			return true
		}
	}
	return false
}

var _ fs.FS = DefaultFS()
