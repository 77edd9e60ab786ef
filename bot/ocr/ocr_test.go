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
		{"too slow", `sleep 5`, 200 * time.Millisecond, ErrTimeout, "200ms"},
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
