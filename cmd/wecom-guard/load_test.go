package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/rules"
)

const (
	loadToken  = "QDG6eK"
	loadCorpID = "wx5823bf96d3bd56c7"
	loadAESKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
)

// loadTarget is a callback server for the load tests: it opens every
// callback with the project's crypto (so only valid ones count), records
// MsgIds and senders, and "delivers" an alert naming each offending sender,
// served like the sandbox's /sandbox/outbox.
type loadTarget struct {
	t      *testing.T
	crypto *wecom.Crypto
	mu     sync.Mutex
	ids    map[string]bool
	bad    int
	sent   []sentRecord
	groups map[string]int // --groups: records per group
}

func newLoadTarget(t *testing.T) (*loadTarget, *httptest.Server) {
	c, err := wecom.NewCrypto(loadToken, loadAESKey, loadCorpID)
	if err != nil {
		t.Fatal(err)
	}
	lt := &loadTarget{t: t, crypto: c, ids: map[string]bool{}, groups: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /wecom/callback", lt.callback)
	mux.HandleFunc("POST /api/v1/archive/messages", lt.ingest)
	mux.HandleFunc("GET /sandbox/outbox", func(w http.ResponseWriter, _ *http.Request) {
		lt.mu.Lock()
		defer lt.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"sent": lt.sent})
	})
	srv := httptest.NewServer(mux) // 127.0.0.1 only
	t.Cleanup(srv.Close)
	return lt, srv
}

func (lt *loadTarget) callback(w http.ResponseWriter, r *http.Request) {
	var body bytes.Buffer
	_, _ = body.ReadFrom(r.Body)
	q := r.URL.Query()
	plain, err := lt.crypto.Open(q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), body.Bytes())
	if err != nil {
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	m, err := wecom.ParseMessage(plain)
	if err != nil || m.MsgType != "text" || m.Content == "" {
		http.Error(w, "bad message", http.StatusBadRequest)
		return
	}
	lt.mu.Lock()
	defer lt.mu.Unlock()
	lt.ids[m.MsgID] = true
	if strings.Contains(m.FromUserName, "-v") {
		lt.bad++
		lt.sent = append(lt.sent, sentRecord{Content: "**违规上报**\n>成员：" + m.FromUserName, At: time.Now()})
		_, _ = w.Write([]byte("<xml>reply</xml>"))
	}
}

// ingest takes one archive record as the ingest endpoint would and
// delivers, as the sender would, the owner alert to the group's owner (as
// the sandbox's directory names it) and the warning to the sender; a
// record of another group goes to HR only.
func (lt *loadTarget) ingest(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+loadIngestToken {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	var rec archivedText
	if err := json.NewDecoder(r.Body).Decode(&rec); err != nil || rec.RoomID == "" || rec.Text.Content == "" {
		http.Error(w, "bad record", http.StatusBadRequest)
		return
	}
	room, ok := sandboxLoadRoom(rec.RoomID)
	lt.mu.Lock()
	defer lt.mu.Unlock()
	lt.ids[rec.MsgID] = true
	lt.groups[rec.RoomID]++
	now := time.Now()
	lt.sent = append(lt.sent, sentRecord{ToUser: []string{"hr"}, Content: "**违规上报**\n>成员：" + rec.From, At: now})
	if ok {
		lt.sent = append(lt.sent,
			sentRecord{ToUser: []string{room.Creator}, Content: "**违规提醒**\n>成员：" + rec.From, At: now.Add(time.Millisecond)},
			sentRecord{ToUser: []string{rec.From}, Content: "【企业微信使用规范提醒】", At: now.Add(2 * time.Millisecond)})
	}
	_, _ = w.Write([]byte(`{"results":[{"status":"violation"}]}`))
}

const loadIngestToken = "ingest-secret"

func runLoadJSON(t *testing.T, args ...string) loadReport {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(context.Background(), append([]string{"load", "--json"}, args...), nil, &out, &errb); err != nil {
		t.Fatalf("load: %v\n%s", err, errb.String())
	}
	var rep loadReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("report %q: %v", out.String(), err)
	}
	return rep
}

// TestLoadPostsValidDistinctCallbacksAndCorrelatesAlerts runs the tool
// against a local target: every callback verifies and decrypts, all are
// distinct, the share of offending ones is the one asked for, and each
// offending one is matched with the alert that names it.
func TestLoadPostsValidDistinctCallbacksAndCorrelatesAlerts(t *testing.T) {
	lt, srv := newLoadTarget(t)
	rep := runLoadJSON(t, "--url", srv.URL+"/wecom/callback", "--token", loadToken, "--aes-key", loadAESKey, "--corp-id", loadCorpID,
		"-n", "200", "-c", "4", "--violating", "5", "--alerts", "--alerts-wait", "30s")
	if rep.Planned != 200 || rep.Completed != 200 || rep.Status["200"] != 200 {
		t.Fatalf("planned %d, completed %d, status %v; want 200 answered 200", rep.Planned, rep.Completed, rep.Status)
	}
	if len(lt.ids) != 200 {
		t.Fatalf("target saw %d distinct MsgIds, want 200", len(lt.ids))
	}
	if lt.bad != 10 || rep.Violating.Sent != 10 || rep.Clean.Sent != 190 || rep.Replies != 10 {
		t.Fatalf("offending: target %d, report %d (replies %d), clean %d; want 10 of 200", lt.bad, rep.Violating.Sent, rep.Replies, rep.Clean.Sent)
	}
	if rep.Alerts == nil || rep.Alerts.Expected != 10 || rep.Alerts.Seen != 10 || rep.Alerts.URL != srv.URL+"/sandbox/outbox" {
		t.Fatalf("alerts %+v, want 10 of 10 from the target's /sandbox/outbox", rep.Alerts)
	}
}

// TestLoadGroupsSpreadsOffendersAndMeasuresOwnerAlerts: with --groups the
// offending messages go to the ingest endpoint as records of that many
// groups, whose owners the sandbox's directory knows; --alerts reports the
// owner alert and the warning apart (both after the HR notice the target
// sends first, so the first-naming figure alone would not tell them).
func TestLoadGroupsSpreadsOffendersAndMeasuresOwnerAlerts(t *testing.T) {
	lt, srv := newLoadTarget(t)
	rep := runLoadJSON(t, "--url", srv.URL+"/wecom/callback", "--token", loadToken, "--aes-key", loadAESKey, "--corp-id", loadCorpID,
		"--ingest-token", loadIngestToken, "-n", "400", "-c", "4", "--violating", "5", "--groups", "7", "--alerts", "--alerts-wait", "30s")
	if rep.Completed != 400 || rep.Status["200"] != 400 || len(lt.ids) != 400 {
		t.Fatalf("completed %d, status %v, target saw %d; want 400 answered 200", rep.Completed, rep.Status, len(lt.ids))
	}
	if len(lt.groups) != 7 {
		t.Fatalf("records in %d groups (%v), want 7", len(lt.groups), lt.groups)
	}
	for g, n := range lt.groups {
		if n < 2 || n > 3 {
			t.Errorf("group %s got %d of 20 records, want 2 or 3", g, n)
		}
	}
	if rep.Violating.Sent != 20 || rep.Replies != 0 {
		t.Fatalf("offending %d (replies %d), want 20 without passive replies", rep.Violating.Sent, rep.Replies)
	}
	a := rep.Alerts
	if a == nil || a.Expected != 20 || a.Seen != 20 || a.Groups != 7 || a.Owner == nil || a.Owner.Seen != 20 || a.Warning == nil || a.Warning.Seen != 20 {
		t.Fatalf("alerts %+v (owner %+v, warning %+v); want 20 of 20 of each in 7 groups", a, a.Owner, a.Warning)
	}
	if a.Owner.Latency.P50 <= a.Latency.P50 || a.Warning.Latency.P50 <= a.Owner.Latency.P50 {
		t.Fatalf("first %v, owner %v, warning %v: the owner alert and the warning were not told from the HR notice", a.Latency, a.Owner.Latency, a.Warning.Latency)
	}
}

func TestLoadGroupOwner(t *testing.T) {
	for _, tc := range []struct {
		id, owner string
		ok        bool
	}{
		{loadGroupID("0a1b2c", 7), "wgload-0a1b2c-owner0007", true},
		{loadGroupID("ffffff", 9999), "wgload-ffffff-owner9999", true},
		{"wrsandbox", "", false},
		{"wrwgload0a1b2cg07", "", false},
		{"wrwgloadxyzxyzg0007", "", false},
		{"wrwgload0a1b2c0007", "", false},
	} {
		t.Run(tc.id, func(t *testing.T) {
			owner, ok := loadGroupOwner(tc.id)
			if owner != tc.owner || ok != tc.ok {
				t.Fatalf("got %q %v, want %q %v", owner, ok, tc.owner, tc.ok)
			}
		})
	}
}

// TestLoadAtRateCountsErrorsByStatus: a paced run against a target that
// refuses the signature reports every answer under its status.
func TestLoadAtRateCountsErrorsByStatus(t *testing.T) {
	_, srv := newLoadTarget(t)
	rep := runLoadJSON(t, "--url", srv.URL+"/wecom/callback", "--token", "wrongtoken", "--aes-key", loadAESKey, "--corp-id", loadCorpID,
		"-n", "20", "-c", "2", "--rate", "2000", "--violating", "0")
	if rep.Completed != 20 || rep.Status["403"] != 20 || rep.Rate != 2000 {
		t.Fatalf("completed %d, status %v, rate %g; want 20 refused with 403 at 2000/s", rep.Completed, rep.Status, rep.Rate)
	}
}

func TestLoadFlagsRefused(t *testing.T) {
	creds := []string{"--token", loadToken, "--aes-key", loadAESKey, "--corp-id", loadCorpID, "--url", "http://127.0.0.1:1/wecom/callback"}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"count too large", []string{"-n", "2000000"}, "-n 2000000 is out of range"},
		{"no connections", []string{"-c", "0"}, "-c 0 is out of range"},
		{"percentage", []string{"--violating", "120"}, "--violating 120 is not a percentage"},
		{"negative rate", []string{"--rate", "-1"}, "--rate -1 is negative"},
		{"not a URL", []string{"--url", "localhost:8080"}, "is not an http(s) URL"},
		{"bad key", []string{"--aes-key", "short"}, "EncodingAESKey must be 43 characters"},
		{"stray argument", []string{"extra"}, "unexpected arguments"},
		{"too many groups", []string{"--groups", "10000", "--ingest-token", "x"}, "--groups 10000 is out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := run(context.Background(), append(append([]string{"load"}, creds...), tc.args...), nil, &out, &errb)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// TestLoadDefaultViolationsGoToHR: the built-in offending lines are rated
// high by the default policy in a direct chat, so each one opens an HR case
// at once and --alerts has something to wait for.
func TestLoadDefaultViolationsGoToHR(t *testing.T) {
	rs, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	e, err := rules.Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range loadDefaultViolations {
		if v := e.Evaluate(text, rules.Context{ChatKind: rules.ChatDirect, Time: time.Now()}); v.Severity < rules.SeverityHigh {
			t.Errorf("%q: severity %v, want high or critical", text, v.Severity)
		}
	}
	for _, text := range loadDefaultMessages {
		if v := e.Evaluate(text, rules.Context{ChatKind: rules.ChatDirect, Time: time.Now()}); v.Action != rules.ActionNone {
			t.Errorf("clean line %q: action %v", text, v.Action)
		}
	}
}

func TestSummarize(t *testing.T) {
	var ds []time.Duration
	for i := 1000; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	for _, tc := range []struct {
		name string
		in   []time.Duration
		want latencies
	}{
		{"none", nil, latencies{}},
		{"one", []time.Duration{3 * time.Millisecond}, latencies{Sent: 1, P50: 3, P99: 3, P999: 3, Max: 3}},
		{"1..1000 ms", ds, latencies{Sent: 1000, P50: 500, P99: 990, P999: 999, Max: 1000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := summarize(tc.in); got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestBuildCallsSpreadsViolations: the offending share holds for every
// prefix of the run (so a run cut short keeps it), and each offending
// callback has its own sender.
func TestBuildCallsSpreadsViolations(t *testing.T) {
	lc := loadPlan{URL: "http://127.0.0.1:1/wecom/callback", Token: loadToken, AESKey: loadAESKey, CorpID: loadCorpID, AgentID: 1,
		Messages: loadDefaultMessages, Violations: loadDefaultViolations, Violating: 5, Count: 400}
	calls, err := buildCalls(lc, "abc123", time.Unix(1700000000, 0))
	if err != nil {
		t.Fatal(err)
	}
	senders := map[string]bool{}
	bad := 0
	for i, c := range calls {
		if c.violating {
			bad++
			if senders[c.sender] {
				t.Fatalf("sender %s used twice", c.sender)
			}
			senders[c.sender] = true
		}
		if want := (i + 1) * 5 / 100; bad != want {
			t.Fatalf("after %d callbacks %d offending, want %d", i+1, bad, want)
		}
	}
}
