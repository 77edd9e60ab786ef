package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const checkPolicy = `version: 1
categories:
  - name: ads
  - name: illegal
    severity: high
  - name: customer_data
    severity: high
rules:
  - id: ads-work
    match:
      categories: [ads]
    where:
      chat_kinds: [work]
      time: ["Mon-Fri 09:00-18:00"]
    action: warn
  - id: illegal
    match:
      categories: [illegal]
    action: alert_owner
  - id: illegal-shadow
    match:
      categories: [illegal]
    action: escalate_hr
    shadow: true
  - id: phone
    category: customer_data
    match:
      detectors: [phone]
    where:
      chat_kinds: [external]
    action: alert_owner
`

// ruleDir writes a rule directory for check to load.
func ruleDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestRunCheckOutput(t *testing.T) {
	dir := ruleDir(t, map[string]string{
		"policy.yaml":               checkPolicy,
		"lists/ads/spam.txt":        "刷单\n兼职日结\n",
		"lists/illegal/bet.txt":     "赌博\n",
		"lists/customer_data/.keep": "",
	})
	tests := []struct {
		name  string
		args  []string
		input string
		want  string
	}{
		{
			name:  "plain lines",
			args:  []string{"--rules", dir},
			input: "明天开会\n有兼职日结刷单\n\n去赌博\n",
			want: `{"action":"none","hits":[],"severity":"none"}
{"action":"warn","hits":[{"category":"ads","rule":"ads-work","kind":"keyword","start":1,"end":5,"masked":"兼***","severity":"medium","shadow":false,"form":"exact","confidence":100},{"category":"ads","rule":"ads-work","kind":"keyword","start":5,"end":7,"masked":"刷*","severity":"medium","shadow":false,"form":"exact","confidence":100}],"severity":"medium"}
{"action":"none","hits":[],"severity":"none"}
{"action":"alert_owner","hits":[{"category":"illegal","rule":"illegal","kind":"keyword","start":1,"end":3,"masked":"赌*","severity":"high","shadow":false,"form":"exact","confidence":100},{"category":"illegal","rule":"illegal-shadow","kind":"keyword","start":1,"end":3,"masked":"赌*","severity":"high","shadow":true,"form":"exact","confidence":100}],"severity":"high"}
`,
		},
		{
			name:  "chat kind flag and CRLF, no final newline",
			args:  []string{"--rules", dir, "--chat-kind", "external"},
			input: "刷单\r\n电话13812345678",
			want: `{"action":"none","hits":[],"severity":"none"}
{"action":"alert_owner","hits":[{"category":"customer_data","rule":"phone","kind":"phone","start":2,"end":13,"masked":"138****5678","severity":"high","shadow":false,"form":"detector","confidence":95}],"severity":"high"}
`,
		},
		{
			name: "json input with bad lines in between",
			args: []string{"--rules", dir, "--json-in"},
			input: `{"text":"刷单","chat_kind":"work","time":"2026-11-23T10:00:00+08:00"}
{"text":"刷单","chat_kind":"work","time":"2026-11-28T10:00:00+08:00"}
not json
{"text":"刷单","chat_kind":"group"}
{"text":"刷单","time":"yesterday"}
{"chat_kind":"work"}
{"text":"刷单","colour":"red"}
{"text":"电话13812345678","chat_kind":"external"}
{"text":"刷单"}
`,
			want: `{"action":"warn","hits":[{"category":"ads","rule":"ads-work","kind":"keyword","start":0,"end":2,"masked":"刷*","severity":"medium","shadow":false,"form":"exact","confidence":100}],"severity":"medium"}
{"action":"none","hits":[],"severity":"none"}
{"error":"line 3: bad JSON object: invalid character 'o' in literal null (expecting 'u'); want {\"text\", \"chat_kind\", \"time\"}"}
{"error":"line 4: unknown chat_kind \"group\" (known: work, private, external, direct, profile)"}
{"error":"line 5: time \"yesterday\" is not RFC 3339 (e.g. 2026-11-27T10:00:00+08:00)"}
{"error":"line 6: missing \"text\""}
{"error":"line 7: bad JSON object: json: unknown field \"colour\"; want {\"text\", \"chat_kind\", \"time\"}"}
{"action":"alert_owner","hits":[{"category":"customer_data","rule":"phone","kind":"phone","start":2,"end":13,"masked":"138****5678","severity":"high","shadow":false,"form":"detector","confidence":95}],"severity":"high"}
{"action":"warn","hits":[{"category":"ads","rule":"ads-work","kind":"keyword","start":0,"end":2,"masked":"刷*","severity":"medium","shadow":false,"form":"exact","confidence":100}],"severity":"medium"}
`,
		},
		{
			name:  "invalid utf-8 line",
			args:  []string{"--rules", dir},
			input: "ok\n\xff\xfe\n刷单\n",
			want: `{"action":"none","hits":[],"severity":"none"}
{"error":"line 2: not valid UTF-8"}
{"action":"warn","hits":[{"category":"ads","rule":"ads-work","kind":"keyword","start":0,"end":2,"masked":"刷*","severity":"medium","shadow":false,"form":"exact","confidence":100}],"severity":"medium"}
`,
		},
		{
			name:  "empty input",
			args:  []string{"--rules", dir},
			input: "",
			want:  "",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if err := runCheck(context.Background(), tc.args, strings.NewReader(tc.input), &stdout, &stderr); err != nil {
				t.Fatalf("runCheck: %v (stderr %q)", err, stderr.String())
			}
			if got := stdout.String(); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestRunCheckDefaultPolicy is the done criterion:
// echo "加我v信：abc12345 有兼职刷单" | wecom-guard check
func TestRunCheckDefaultPolicy(t *testing.T) {
	t.Setenv("REDIS_URL", "") // no Redis: the embedded default is in force
	input := "加我v信：abc12345 有兼职刷单\n"
	want := `{"action":"warn","hits":[` +
		`{"category":"ads","rule":"ads-wechat-solicit","kind":"wechat_id","start":0,"end":13,"masked":"加我***","severity":"medium","shadow":false,"form":"obfuscated","confidence":80},` +
		`{"category":"ads","rule":"ads-work","kind":"keyword","start":15,"end":19,"masked":"兼***","severity":"medium","shadow":false,"form":"exact","confidence":100},` +
		`{"category":"ads","rule":"ads-work","kind":"keyword","start":17,"end":19,"masked":"刷*","severity":"medium","shadow":false,"form":"exact","confidence":100}` +
		`],"severity":"medium"}` + "\n"
	var stdout, stderr bytes.Buffer
	if err := runCheck(context.Background(), nil, strings.NewReader(input), &stdout, &stderr); err != nil {
		t.Fatalf("runCheck: %v", err)
	}
	if got := stdout.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestRunCheckLongLines(t *testing.T) {
	dir := ruleDir(t, map[string]string{
		"policy.yaml":           checkPolicy,
		"lists/ads/spam.txt":    "刷单\n",
		"lists/illegal/bet.txt": "赌博\n",
	})
	long := strings.Repeat("a", maxCheckLine-len("刷单")) + "刷单" // exactly 1 MiB
	tooLong := strings.Repeat("b", maxCheckLine+1)
	input := long + "\n" + tooLong + "\n刷单\n"
	var stdout, stderr bytes.Buffer
	if err := runCheck(context.Background(), []string{"--rules", dir}, strings.NewReader(input), &stdout, &stderr); err != nil {
		t.Fatalf("runCheck: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d output lines, want 3:\n%s", len(lines), stdout.String())
	}
	var first struct {
		Hits []struct{ Start, End int }
	}
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	wantStart := maxCheckLine - len("刷单")
	if len(first.Hits) != 1 || first.Hits[0].Start != wantStart || first.Hits[0].End != wantStart+2 {
		t.Errorf("1 MiB line: got %s, want one hit at %d-%d", lines[0], wantStart, wantStart+2)
	}
	if want := `{"error":"line 2: longer than 1048576 bytes; split the message"}`; lines[1] != want {
		t.Errorf("too long line: got %s, want %s", lines[1], want)
	}
	if !strings.Contains(lines[2], `"start":0,"end":2`) {
		t.Errorf("line after a too long line: got %s", lines[2])
	}
}

func TestRunCheckErrors(t *testing.T) {
	bad := ruleDir(t, map[string]string{
		"policy.yaml":        strings.Replace(checkPolicy, "detectors: [phone]", "detectors: [phon]", 1),
		"lists/ads/spam.txt": "刷单\n",
	})
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad rules dir names file and line", []string{"--rules", bad}, `policy.yaml:28: rule "phone": unknown detector "phon"`},
		{"missing rules dir", []string{"--rules", filepath.Join(bad, "nope")}, "nope does not exist"},
		{"bad chat kind", []string{"--chat-kind", "group"}, `unknown --chat-kind "group"`},
		{"unknown flag", []string{"--color"}, "flag provided but not defined: -color"},
		{"positional argument", []string{"hello"}, `unexpected argument "hello"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := runCheck(context.Background(), tc.args, strings.NewReader("x\n"), &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestRunCheckHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := runCheck(context.Background(), []string{"--help"}, strings.NewReader(""), &stdout, &stderr); err != nil {
		t.Fatalf("runCheck --help: %v", err)
	}
	for _, want := range []string{"usage: wecom-guard check", "-rules DIR", "-chat-kind KIND", "-json-in"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("help output lacks %q:\n%s", want, stdout.String())
		}
	}
}

func TestRunCheckCancelled(t *testing.T) {
	t.Setenv("REDIS_URL", "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	err := runCheck(ctx, nil, strings.NewReader("x\n"), &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("got %v, want a context canceled error", err)
	}
}
