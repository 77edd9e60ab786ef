package ocr

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// script writes an executable shell script standing in for tesseract.
func script(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fake-tesseract")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTextRunsTheCommand(t *testing.T) {
	// The fake checks its arguments and that the image came on stdin.
	cmd := script(t, `[ "$1 $2 $3 $4" = "stdin stdout -l chi_sim+eng" ] || { echo "bad args: $*" >&2; exit 2; }
n=$(wc -c); [ "$n" -eq 5 ] || { echo "stdin had $n bytes" >&2; exit 3; }
printf '  加我微信\n\n 刷 单   日结\r\n'`)
	tess, err := New(Config{Command: []string{cmd}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := tess.Text(context.Background(), []byte("image"))
	if err != nil || got != "加我微信 刷 单 日结" {
		t.Fatalf("Text = %q, %v", got, err)
	}
}

func TestTextFailures(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		timeout    time.Duration
		want       error
		wantMsg    string
	}{
		{"exit status", `cat >/dev/null; echo "Error in pixReadMem: Unknown format" >&2; exit 1`, 0, ErrFailed, "Unknown format"},
		{"too slow", `[ "$1" = "--list-langs" ] && exit 1; sleep 5`, 200 * time.Millisecond, ErrTimeout, "200ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tess, err := New(Config{Command: []string{script(t, tc.body)}, Timeout: tc.timeout})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = tess.Text(context.Background(), []byte("x"))
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("Text: %v; want %v naming %q", err, tc.want, tc.wantMsg)
			}
			if time.Since(start) > 4*time.Second {
				t.Errorf("a killed command was waited for %v", time.Since(start))
			}
		})
	}
}

func TestTextIsBounded(t *testing.T) {
	tess, err := New(Config{Command: []string{script(t, `cat >/dev/null; yes 广告广告广告 | head -c 1000000`)}, MaxText: 100})
	if err != nil {
		t.Fatal(err)
	}
	got, err := tess.Text(context.Background(), []byte("x"))
	if err != nil || len(got) > 100 || !strings.HasPrefix(got, "广告") {
		t.Errorf("Text = %d bytes, %v; want at most 100, valid UTF-8", len(got), err)
	}
}

func TestNewSaysWhatToInstall(t *testing.T) {
	_, err := New(Config{Command: []string{"no-such-ocr-command"}})
	if err == nil || !strings.Contains(err.Error(), "tesseract-ocr-chi-sim") {
		t.Errorf("New: %v; want the packages to install", err)
	}
}

func TestLanguagesInstalledAreUsed(t *testing.T) {
	list := `if [ "$1" = "--list-langs" ]; then echo 'List of available languages in "/usr/share/tesseract-ocr/5/tessdata/" (2):'; echo eng; echo osd; exit 0; fi
echo "$4"`
	tess, err := New(Config{Command: []string{script(t, list)}})
	if err != nil {
		t.Fatal(err)
	}
	if tess.Languages() != "eng" || strings.Join(tess.Missing(), ",") != "chi_sim" {
		t.Errorf("languages %q, missing %v; want eng, with chi_sim missing", tess.Languages(), tess.Missing())
	}
	if got, err := tess.Text(context.Background(), []byte("x")); err != nil || got != "eng" {
		t.Errorf("the command ran with -l %q, %v; want eng", got, err)
	}
	if _, err := New(Config{Command: []string{script(t, list)}, Languages: "chi_sim"}); err == nil || !strings.Contains(err.Error(), "tesseract-ocr-chi-sim") {
		t.Errorf("only chi_sim, not installed: %v; want what to install", err)
	}
	// A command that cannot list its packs is run as configured.
	tess, err = New(Config{Command: []string{script(t, `[ "$1" = "--list-langs" ] && exit 1; echo "$4"`)}})
	if err != nil || tess.Languages() != DefaultLanguages {
		t.Errorf("unlisted: %v, %v", tess, err)
	}
}
