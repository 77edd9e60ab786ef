package main

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestConfigurationDoc keeps docs/configuration.md to the config struct:
// its key table lists exactly the keys configKeys finds, each with its
// variable, its older names, whether it is a secret, and its default.
func TestConfigurationDoc(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "docs", "configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	start, end := strings.Index(doc, "<!-- keys -->"), strings.Index(doc, "<!-- /keys -->")
	if start < 0 || end < start {
		t.Fatal("docs/configuration.md has no <!-- keys --> … <!-- /keys --> table")
	}
	rows := map[string]string{} // path → row
	for _, line := range strings.Split(doc[start:end], "\n") {
		m := regexp.MustCompile("^\\| `([a-z_.]+)` \\|").FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if _, dup := rows[m[1]]; dup {
			t.Errorf("%s is listed twice", m[1])
		}
		rows[m[1]] = line
	}
	var defaults Config
	defaults.applyDefaults()
	for _, k := range configKeys() {
		row, ok := rows[k.Path]
		if !ok {
			t.Errorf("docs/configuration.md does not list %s", k.Path)
			continue
		}
		delete(rows, k.Path)
		for _, name := range k.envNames() {
			if !strings.Contains(row, "`"+name+"`") {
				t.Errorf("%s: the row does not name `%s`", k.Path, name)
			}
		}
		if k.Secret != strings.Contains(row, "secret") {
			t.Errorf("%s: secret is %v, the row says otherwise: %s", k.Path, k.Secret, row)
		}
		if def := docDefault(reflect.ValueOf(defaults).FieldByIndex(k.index)); def != "" && !strings.Contains(row, "`"+def+"`") {
			t.Errorf("%s: the row does not give the default `%s`: %s", k.Path, def, row)
		}
	}
	for path := range rows {
		t.Errorf("docs/configuration.md lists %s, which is not a key", path)
	}
}

// docDefault formats a default as the docs write it ("" for none).
func docDefault(v reflect.Value) string {
	if v.IsZero() {
		return ""
	}
	if d, ok := v.Interface().(time.Duration); ok {
		s := d.String()
		s = strings.TrimSuffix(s, "0s")
		if strings.HasSuffix(s, "m") || strings.HasSuffix(s, "h") {
			s = strings.TrimSuffix(s, "0m")
		}
		if s == "" || strings.HasSuffix(s, "h") || strings.HasSuffix(s, "m") {
			return s
		}
		return d.String()
	}
	return fmt.Sprint(v.Interface())
}

// TestDocLinksStayInTheRepository: README.md and the guides link only to
// files in the repository (and to web pages), never to ../shared or the like.
func TestDocLinksStayInTheRepository(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	files = append(files, filepath.Join(repoRoot, "README.md"))
	link := regexp.MustCompile(`\]\(([^)#\s]+)(#[^)]*)?\)`)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(string(data), -1) {
			target := m[1]
			if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			p := filepath.Clean(filepath.Join(filepath.Dir(f), target))
			rel, err := filepath.Rel(repoRoot, p)
			if err != nil || strings.HasPrefix(rel, "..") {
				t.Errorf("%s links outside the repository: %s", f, target)
				continue
			}
			if _, err := os.Stat(p); err != nil {
				t.Errorf("%s links to %s, which does not exist", f, target)
			}
		}
		if strings.Contains(string(data), "../shared") {
			t.Errorf("%s points at ../shared", f)
		}
	}
	for _, guide := range []string{"design.md", "configuration.md", "wecom-setup.md", "operations.md"} {
		if _, err := os.Stat(filepath.Join(repoRoot, "docs", guide)); err != nil {
			t.Errorf("docs/%s: %v", guide, err)
		}
	}
}

// TestReadmeTablesAreWhole: no blank line splits a table of the README
// (a table row right after a blank line that follows another table).
func TestReadmeTablesAreWhole(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	for i := 2; i < len(lines); i++ {
		if i+1 < len(lines) && strings.HasPrefix(lines[i], "|") && lines[i-1] == "" && strings.HasPrefix(lines[i-2], "|") &&
			!strings.HasPrefix(lines[i+1], "|---") {
			t.Errorf("README.md:%d: a blank line splits a table", i+1)
		}
	}
}
