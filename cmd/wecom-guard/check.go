package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/wecom-guard/wecom-guard/rules"
)

// maxCheckLine is the longest input line check evaluates; longer lines get
// an error object and are skipped.
const maxCheckLine = 1 << 20

const checkUsage = `usage: wecom-guard check [--rules DIR | --embedded] [--chat-kind KIND] [--json-in] < messages

Evaluates messages against the policy and writes one JSON object per input
line, in order:

  {"action":"warn","hits":[{"category":"ads","rule":"ads-work","kind":"keyword","start":3,"end":5,"masked":"刷*","severity":"medium","shadow":false}],"severity":"medium"}

start and end are rune offsets into the input line (end exclusive); masked is
the evidence with personal data masked. A line that cannot be read gives
{"error":"..."} and checking goes on.

Input is one message a line, or with --json-in one JSON object a line:
  {"text":"…","chat_kind":"external","time":"2026-11-27T10:00:00+08:00"}
(chat_kind defaults to --chat-kind; without time, time windows are ignored).

The rule set in force is the one stored in the configured Redis (REDIS_URL,
REDIS_CLUSTER_ADDRS or REDIS_SENTINEL_MASTER), or without one the policy
serve would start with (rules_dir, else the embedded default); --rules DIR
and --embedded choose explicitly. stderr says which set is used.

Flags:
`

// checkHit is one hit in check's output. The names and order of the first
// six fields are a contract other tools rely on.
type checkHit struct {
	Category string `json:"category"`
	Rule     string `json:"rule"`
	Kind     string `json:"kind"`
	Start    int    `json:"start"`
	End      int    `json:"end"`
	Masked   string `json:"masked"`
	Severity string `json:"severity"`
	Shadow   bool   `json:"shadow"`
	// Form and Confidence say how the hit matched and how sure it is
	// (added with issue 9; a held hit is shadow: true).
	Form       string `json:"form"`
	Confidence int    `json:"confidence"`
	// Set and Column name the record set and column of a customer_record
	// hit, or the document and its category of a document hit; Shared and
	// Paragraph say how many characters of the document from which
	// paragraph (added with issue 15).
	Set       string `json:"set,omitempty"`
	Column    string `json:"column,omitempty"`
	Shared    int    `json:"shared,omitempty"`
	Paragraph int    `json:"paragraph,omitempty"`
}

type checkResult struct {
	Action   string     `json:"action"`
	Hits     []checkHit `json:"hits"`
	Severity string     `json:"severity"`
}

type checkError struct {
	Error string `json:"error"`
}

type checkInput struct {
	Text     *string `json:"text"`
	ChatKind string  `json:"chat_kind"`
	Time     string  `json:"time"`
}

// runCheck is the check subcommand: it reads messages from stdin and writes
// the policy's verdict on each to stdout.
func runCheck(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("check", flag.ContinueOnError)
	flags.Usage = func() {
		fmt.Fprint(flags.Output(), checkUsage)
		flags.PrintDefaults()
	}
	rulesDir := flags.String("rules", "", "check against the rule `DIR` (policy.yaml and lists/) instead of the rule set in force")
	embedded := flags.Bool("embedded", false, "check against the embedded default policy instead of the rule set in force")
	configPath := flags.String("config", "", "YAML config file naming the Redis whose rule set is in force (default: "+defaultConfigFile+" if it exists)")
	chatKind := flags.String("chat-kind", "work", "chat `KIND` of plain lines: work, private, external, direct or profile")
	jsonIn := flags.Bool("json-in", false, `read one JSON object a line: {"text", "chat_kind", "time"}`)
	if err := parseFlags(flags, "check", args, stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if flags.NArg() > 0 {
		return usageErrorf("check", "check: unexpected argument %q; pipe messages on stdin", flags.Arg(0))
	}
	defaultKind, ok := rules.ParseChatKind(*chatKind)
	if !ok {
		return usageErrorf("check", "check: unknown --chat-kind %q (known: work, private, external, direct, profile)", *chatKind)
	}

	rs, err := checkRuleSet(ctx, checkRulesChoice{dir: *rulesDir, embedded: *embedded, configPath: *configPath}, osGetenv, stderr)
	if err != nil {
		return err
	}
	engine, err := rules.Compile(rs)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}

	data, err := checkData(ctx, *configPath, osGetenv, stderr)
	if err != nil {
		return err
	}

	in := bufio.NewReaderSize(stdin, 64<<10)
	out := bufio.NewWriterSize(stdout, 64<<10)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	var line []byte
	for lineNo := 1; ; lineNo++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("check: %w", err)
		}
		var tooLong bool
		var readErr error
		line, tooLong, readErr = readCheckLine(in, line[:0])
		if readErr != nil && !errors.Is(readErr, io.EOF) {
			return fmt.Errorf("check: read stdin: %w", readErr)
		}
		if errors.Is(readErr, io.EOF) && len(line) == 0 && !tooLong {
			break
		}
		var v any
		if tooLong {
			v = checkError{Error: fmt.Sprintf("line %d: longer than %d bytes; split the message", lineNo, maxCheckLine)}
		} else {
			v = evaluateCheckLine(engine, line, lineNo, *jsonIn, defaultKind, data)
		}
		if err := enc.Encode(v); err != nil {
			return fmt.Errorf("check: write result: %w", err)
		}
		// Flush when no more input is waiting, so interactive use sees each
		// verdict at once while piped input is written in large blocks.
		if in.Buffered() == 0 || errors.Is(readErr, io.EOF) {
			if err := out.Flush(); err != nil {
				return fmt.Errorf("check: write result: %w", err)
			}
		}
		if errors.Is(readErr, io.EOF) {
			break
		}
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("check: write result: %w", err)
	}
	return nil
}

// readCheckLine appends the next line of in (without its line ending) to
// buf. A line longer than maxCheckLine is consumed and reported as tooLong;
// bufio.Scanner would stop at such a line instead of going on.
func readCheckLine(in *bufio.Reader, buf []byte) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := in.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(chunk) > maxCheckLine+2 { // room for "\r\n"
				tooLong = true
				buf = buf[:0]
			} else {
				buf = append(buf, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		buf = bytes.TrimSuffix(buf, []byte("\n"))
		buf = bytes.TrimSuffix(buf, []byte("\r"))
		if !tooLong && len(buf) > maxCheckLine {
			tooLong = true
			buf = buf[:0]
		}
		return buf, tooLong, err
	}
}

func evaluateCheckLine(engine *rules.Engine, line []byte, lineNo int, jsonIn bool, kind rules.ChatKind, data rules.DataMatcher) any {
	mc := rules.Context{ChatKind: kind, Data: data}
	text := string(line)
	if jsonIn {
		var in checkInput
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			return checkError{Error: fmt.Sprintf("line %d: bad JSON object: %v; want {\"text\", \"chat_kind\", \"time\"}", lineNo, err)}
		}
		if dec.More() {
			return checkError{Error: fmt.Sprintf("line %d: more than one JSON value; put one object a line", lineNo)}
		}
		if in.Text == nil {
			return checkError{Error: fmt.Sprintf("line %d: missing \"text\"", lineNo)}
		}
		text = *in.Text
		if in.ChatKind != "" {
			k, ok := rules.ParseChatKind(in.ChatKind)
			if !ok {
				return checkError{Error: fmt.Sprintf("line %d: unknown chat_kind %q (known: work, private, external, direct, profile)", lineNo, in.ChatKind)}
			}
			mc.ChatKind = k
		}
		if in.Time != "" {
			t, err := time.Parse(time.RFC3339, in.Time)
			if err != nil {
				return checkError{Error: fmt.Sprintf("line %d: time %q is not RFC 3339 (e.g. 2026-11-27T10:00:00+08:00)", lineNo, in.Time)}
			}
			mc.Time = t
		}
	}
	if !utf8.ValidString(text) {
		return checkError{Error: fmt.Sprintf("line %d: not valid UTF-8", lineNo)}
	}
	v := engine.Evaluate(text, mc)
	res := checkResult{Action: v.Action.String(), Hits: make([]checkHit, len(v.Hits)), Severity: v.Severity.String()}
	for i, h := range v.Hits {
		res.Hits[i] = checkHit{
			Category:   h.Category,
			Rule:       h.Rule,
			Kind:       h.Kind.String(),
			Start:      h.Start,
			End:        h.End,
			Masked:     h.Masked,
			Severity:   h.Severity.String(),
			Shadow:     h.Shadow,
			Form:       h.Form.String(),
			Confidence: int(h.Confidence),
		}
		if d := h.Data; d != nil {
			res.Hits[i].Set, res.Hits[i].Column, res.Hits[i].Shared, res.Hits[i].Paragraph = d.Set, d.Column, d.Shared, d.Paragraph
		}
	}
	return res
}
