// Package ocr reads the text in an image with an external OCR command,
// Tesseract (Debian: tesseract-ocr and tesseract-ocr-chi-sim), so that
// the engine checks it like the text of a message. It is off unless
// configured.
//
// An external command rather than a Go binding: the maintained bindings
// (gosseract) need cgo and libtesseract at build time, which would tie
// every build of wecom-guard to the OCR libraries. The command gets the
// image on stdin and answers on stdout, so the image is never written to
// disk; a time limit kills it, and what it prints is bounded.
package ocr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Defaults of Config.
const (
	DefaultLanguages = "chi_sim+eng"
	DefaultTimeout   = 10 * time.Second
	// DefaultMaxText bounds the text kept of one image (bytes).
	DefaultMaxText = 16 << 10
)

// Errors of Text; each is wrapped with the reason.
var (
	// ErrTimeout: the command took longer than Config.Timeout and was killed.
	ErrTimeout = errors.New("ocr timed out")
	// ErrFailed: the command exited with an error (its first line of
	// stderr is in the message).
	ErrFailed = errors.New("ocr failed")
)

// Config says how to run the OCR command.
type Config struct {
	// Command is the program and its first arguments (default
	// ["tesseract"]); "stdin stdout -l <languages>" is appended.
	Command []string
	// Languages are Tesseract's language packs joined by + (default
	// chi_sim+eng). Those not installed are left out (Missing says which),
	// so a machine without tesseract-ocr-chi-sim still reads Latin text;
	// when none is installed, New fails and says what to install.
	Languages string
	// Timeout bounds one image (default 10 s).
	Timeout time.Duration
	// MaxText bounds the text read (default 16 KiB); the rest is dropped.
	MaxText int
}

// Tesseract runs the OCR command.
type Tesseract struct {
	cfg     Config
	path    string
	missing []string
}

// listTimeout bounds asking the command for its language packs.
const listTimeout = 3 * time.Second

// New finds the command and returns a Tesseract; the error says what to
// install when it is missing.
func New(cfg Config) (*Tesseract, error) {
	if len(cfg.Command) == 0 {
		cfg.Command = []string{"tesseract"}
	}
	if cfg.Languages == "" {
		cfg.Languages = DefaultLanguages
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxText <= 0 {
		cfg.MaxText = DefaultMaxText
	}
	path, err := exec.LookPath(cfg.Command[0])
	if err != nil {
		return nil, fmt.Errorf("ocr command %q not found (install tesseract-ocr and tesseract-ocr-chi-sim, or turn OCR off): %w", cfg.Command[0], err)
	}
	t := &Tesseract{cfg: cfg, path: path}
	have := t.installed()
	if have == nil {
		return t, nil // the command cannot say: used as configured
	}
	var keep []string
	for _, l := range strings.Split(cfg.Languages, "+") {
		if slices.Contains(have, l) {
			keep = append(keep, l)
		} else {
			t.missing = append(t.missing, l)
		}
	}
	if len(keep) == 0 {
		return nil, fmt.Errorf("ocr language packs %s are not installed (installed: %s): install tesseract-ocr-chi-sim (chi_sim) or tesseract-ocr-eng (eng), or set images.ocr_languages",
			cfg.Languages, strings.Join(have, ", "))
	}
	t.cfg.Languages = strings.Join(keep, "+")
	return t, nil
}

// Languages are the language packs the command is run with.
func (t *Tesseract) Languages() string { return t.cfg.Languages }

// Missing are the configured language packs that are not installed.
func (t *Tesseract) Missing() []string { return slices.Clone(t.missing) }

// installed asks the command for its language packs (tesseract
// --list-langs prints a header line, then one name a line); nil when it
// cannot answer (another OCR command standing in for tesseract).
func (t *Tesseract) installed() []string {
	ctx, cancel := context.WithTimeout(context.Background(), listTimeout)
	defer cancel()
	args := append(append([]string{}, t.cfg.Command[1:]...), "--list-langs")
	cmd := exec.CommandContext(ctx, t.path, args...)
	out := &limited{n: 16 << 10}
	cmd.Stdout, cmd.Stderr = out, io.Discard
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		return nil
	}
	var langs []string
	header := false
	for _, line := range strings.Split(out.buf.String(), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "List of available languages"):
			header = true
		case header && line != "":
			langs = append(langs, line)
		}
	}
	if !header {
		return nil
	}
	return langs
}

// limited keeps the first n bytes written and drops the rest, so a command
// that prints without end cannot fill the memory.
type limited struct {
	buf bytes.Buffer
	n   int
}

func (l *limited) Write(p []byte) (int, error) {
	if room := l.n - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// Text returns the text OCR reads in image, with runs of white space made
// one space (the engine ignores spacing between characters anyway). The
// caller has checked the image's size and pixels (imagescan) first.
func (t *Tesseract) Text(ctx context.Context, image []byte) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, t.cfg.Timeout)
	defer cancel()
	args := append(append([]string{}, t.cfg.Command[1:]...), "stdin", "stdout", "-l", t.cfg.Languages)
	cmd := exec.CommandContext(ctx, t.path, args...)
	cmd.Stdin = bytes.NewReader(image)
	out := &limited{n: t.cfg.MaxText}
	errOut := &limited{n: 4 << 10}
	cmd.Stdout, cmd.Stderr = out, errOut
	cmd.WaitDelay = time.Second // a killed command's pipes are not waited on for ever
	err := cmd.Run()
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return "", fmt.Errorf("read text in image: %w after %s", ErrTimeout, t.cfg.Timeout)
	case ctx.Err() != nil:
		return "", fmt.Errorf("read text in image: %w", ctx.Err())
	case err != nil:
		line, _, _ := strings.Cut(strings.TrimSpace(errOut.buf.String()), "\n")
		return "", fmt.Errorf("read text in image: %w: %v: %s", ErrFailed, err, line)
	}
	return squeeze(out.buf.String()), nil
}

// squeeze makes every run of white space one space and trims the ends;
// invalid UTF-8 (a cut at MaxText) is dropped.
func squeeze(s string) string {
	s = strings.ToValidUTF8(s, "")
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

var _ io.Writer = (*limited)(nil)
