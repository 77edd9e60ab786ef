//go:build chaos

// Package chaos is the chaos suite: it runs the real wecom-guard binary
// against the standalone fake WeCom API (cmd/wecom-fake) failing 30 % of
// its answers (lost replies among them), on its own redis-server with AOF,
// sends N violating callbacks (five from each member, whose direct leaders
// each lead several members, so owner and HR digests form), breaks things
// in one way per scenario, and counts from the fake's record the alerts
// delivered, lost and duplicated. Run it with scripts/chaos.sh.
package chaos

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/rules"
)

var (
	nFlag      = flag.Int("chaos.n", 100, "violating callbacks per scenario (a multiple of 5)")
	faultsFlag = flag.Float64("chaos.faults", 0.30, "share of the fake WeCom API's answers that fail")
	leaders    = flag.Int("chaos.leaders", 0, "direct leaders the members share, the owners of the alerts (default one for every 5 members)")
)

const (
	corpID  = "wwchaoscorp"
	secret  = "chaossecret"
	agentID = "1000002"
	token   = "chaostoken"
	insult  = "你真是个傻逼"
	hrUser  = "hrchaos"
	// perMember is how many callbacks each member sends: the default
	// ladder alerts the leader from the 3rd and HR at the 5th.
	perMember = 5
)

var (
	buildOnce         sync.Once
	guardBin, fakeBin string
	buildErr          error
)

// build compiles the two binaries once per run.
func build(t *testing.T) {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "wecom-chaos-bin")
		if err != nil {
			buildErr = err
			return
		}
		root, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
		if err != nil {
			buildErr = fmt.Errorf("find module root: %w", err)
			return
		}
		guardBin, fakeBin = filepath.Join(dir, "wecom-guard"), filepath.Join(dir, "wecom-fake")
		for bin, pkg := range map[string]string{guardBin: "./cmd/wecom-guard", fakeBin: "./cmd/wecom-fake"} {
			cmd := exec.Command("go", "build", "-o", bin, pkg)
			cmd.Dir = strings.TrimSpace(string(root))
			if out, err := cmd.CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("go build %s: %w\n%s", pkg, err, out)
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// proc is a child process the scenario may kill.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  *os.File
}

func start(t *testing.T, dir, name, bin string, env []string, args ...string) *proc {
	t.Helper()
	logf, err := os.OpenFile(filepath.Join(dir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{name: name, cmd: cmd, log: logf}
	t.Cleanup(func() { p.kill() })
	return p
}

// kill ends the process with SIGKILL: no clean shutdown, a crash.
func (p *proc) kill() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		_ = p.cmd.Wait()
	}
	_ = p.log.Close()
}

func waitFor(t *testing.T, what string, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func httpOK(u string) bool {
	resp, err := http.Get(u)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// env is one scenario's world: Redis, the fake WeCom API and the
// configuration the replicas share.
type env struct {
	t        *testing.T
	dir      string
	redisBin string
	redis    *proc
	redisURL string
	fakeURL  string
	crypto   *wecom.Crypto
	aesKey   string
	members  int
	began    time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	build(t)
	t.Logf("binaries built")
	redisBin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server is not installed (apt-get install redis-server)")
	}
	if *nFlag <= 0 || *nFlag%perMember != 0 {
		t.Fatalf("-chaos.n %d: use a positive multiple of %d", *nFlag, perMember)
	}
	e := &env{t: t, dir: t.TempDir(), redisBin: redisBin, members: *nFlag / perMember, began: time.Now()}
	e.redisURL = "redis://127.0.0.1:" + strconv.Itoa(freePort(t)) + "/0"
	e.startRedis()
	urlFile := filepath.Join(e.dir, "fake.url")
	start(t, e.dir, "wecom-fake", fakeBin, nil, "-url-file", urlFile, "-corp-id", corpID, "-secret", secret,
		"-agent-id", agentID, "-faults", strconv.FormatFloat(*faultsFlag, 'f', -1, 64), "-seed", "11",
		"-members", strconv.Itoa(e.members), "-leaders", strconv.Itoa(e.leaders()))
	waitFor(t, "the fake WeCom API", 10*time.Second, func() bool {
		b, err := os.ReadFile(urlFile)
		e.fakeURL = strings.TrimSpace(string(b))
		return err == nil && e.fakeURL != "" && httpOK(e.fakeURL+"/fake/healthz")
	})
	e.aesKey, err = wecom.GenerateAESKey()
	if err != nil {
		t.Fatal(err)
	}
	if e.crypto, err = wecom.NewCrypto(token, e.aesKey, corpID); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf("enforcement:\n  hr:\n    users: [%s]\n  digest_at: \"off\"\n", hrUser)
	if err := os.WriteFile(filepath.Join(e.dir, "wecom-guard.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return e
}

// leaders is how many direct leaders the members share: several members
// each, so their alerts meet in digests.
func (e *env) leaders() int {
	if *leaders > 0 {
		return *leaders
	}
	return max(1, e.members/5)
}

// startRedis runs redis-server with AOF, fsync on every write, in the
// scenario's directory: a restart finds what was acknowledged.
func (e *env) startRedis() {
	u, _ := url.Parse(e.redisURL)
	e.redis = start(e.t, e.dir, "redis", e.redisBin, nil, "--port", u.Port(), "--bind", "127.0.0.1",
		"--dir", e.dir, "--appendonly", "yes", "--appendfsync", "always", "--save", "")
	waitFor(e.t, "redis-server", 10*time.Second, func() bool {
		c, err := net.Dial("tcp", u.Host)
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
}

// replica is one wecom-guard serve process.
type replica struct {
	*proc
	url string
}

func (e *env) startReplica(name string) *replica {
	port := freePort(e.t)
	p := start(e.t, e.dir, name, guardBin, []string{
		"LISTEN_ADDR=127.0.0.1:" + strconv.Itoa(port), "REDIS_URL=" + e.redisURL, "REDIS_PREFIX=chaos:",
		"WECOM_CORP_ID=" + corpID, "WECOM_AGENT_ID=" + agentID, "WECOM_SECRET=" + secret,
		"WECOM_TOKEN=" + token, "WECOM_AES_KEY=" + e.aesKey, "WECOM_API_BASE=" + e.fakeURL,
		"WG_STATE_DIR=" + filepath.Join(e.dir, name+".state"),
	}, "serve", "--config", filepath.Join(e.dir, "wecom-guard.yaml"))
	r := &replica{proc: p, url: "http://127.0.0.1:" + strconv.Itoa(port)}
	waitFor(e.t, name+" /healthz", 30*time.Second, func() bool { return httpOK(r.url + "/healthz") })
	return r
}

// callback is one violating message from a member to the app.
type callback struct {
	member, n int // n: the member's 1st … 5th
	msgID     int64
}

func (e *env) callbacks() [][]callback {
	out := make([][]callback, e.members)
	id := int64(7000000000000000000)
	for n := 1; n <= perMember; n++ {
		for m := 0; m < e.members; m++ {
			id++
			out[m] = append(out[m], callback{member: m, n: n, msgID: id})
		}
	}
	return out
}

// post sends c to the replica target() picks, as WeCom does, and like
// WeCom retries until it is answered 200 (WeCom gives up after three
// tries; the suite counts what the delivery side loses, so it insists).
func (e *env) post(c callback, target func() string) error {
	plain := fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[member%03d]]></FromUserName>"+
		"<CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s（%d）]]></Content>"+
		"<MsgId>%d</MsgId><AgentID>%s</AgentID></xml>", corpID, c.member, time.Now().Unix(), insult, c.n, c.msgID, agentID)
	deadline := time.Now().Add(90 * time.Second)
	for attempt := 0; ; attempt++ {
		ts, nonce := strconv.FormatInt(time.Now().Unix(), 10), strconv.FormatInt(c.msgID, 36)+strconv.Itoa(attempt)
		body, sig, err := e.crypto.SealCallback([]byte(plain), corpID, agentID, ts, nonce)
		if err != nil {
			return err
		}
		q := url.Values{"msg_signature": {sig}, "timestamp": {ts}, "nonce": {nonce}}
		resp, err := http.Post(target()+"/wecom/callback?"+q.Encode(), "text/xml", bytes.NewReader(body))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("callback %d not accepted in 90 s (last: %v)", c.msgID, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// send posts every member's callbacks in order, members in parallel;
// midway (after half of them) it calls mid once.
func (e *env) send(target func() string, mid func()) {
	var sent atomic.Int64
	half := int64(e.members * perMember / 2)
	var once sync.Once
	var wg sync.WaitGroup
	errs := make(chan error, e.members)
	for _, cbs := range e.callbacks() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, c := range cbs {
				if err := e.post(c, target); err != nil {
					errs <- err
					return
				}
				if sent.Add(1) == half && mid != nil {
					once.Do(mid)
				}
			}
		}()
	}
	wg.Wait()
	e.t.Logf("%d callbacks accepted after %s", e.members*perMember, time.Since(e.began).Round(time.Millisecond))
	close(errs)
	for err := range errs {
		e.t.Fatal(err)
	}
}

// expected lists the idempotency keys of the alerts the callbacks must
// cause, by the default policy's ladder (the warnings are passive replies).
func (e *env) expected() map[string]string {
	rs, err := rules.Default()
	if err != nil {
		e.t.Fatal(err)
	}
	engine, err := rules.Compile(rs)
	if err != nil {
		e.t.Fatal(err)
	}
	want := map[string]string{}
	for _, cbs := range e.callbacks() {
		for _, c := range cbs {
			v := engine.Evaluate(fmt.Sprintf("%s（%d）", insult, c.n), rules.Context{ChatKind: rules.ChatDirect, Time: time.Now()})
			var step bot.Step
			for _, h := range v.Hits {
				if !h.Shadow {
					s := bot.Decide(rs.Ladder, h.Severity, h.Action, int64(c.n), int64(c.n))
					step.AlertOwner = step.AlertOwner || s.AlertOwner
					step.EscalateHR = step.EscalateHR || s.EscalateHR
				}
			}
			key := "msg:" + strconv.FormatInt(c.msgID, 10) + "/"
			if step.AlertOwner {
				want[ref(key+string(bot.ActAlertOwner))] = key + string(bot.ActAlertOwner)
			}
			if step.EscalateHR {
				want[ref(key+string(bot.ActEscalateHR))] = key + string(bot.ActEscalateHR)
			}
		}
	}
	return want
}

func ref(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:4])
}

var refPattern = regexp.MustCompile(`记录 ([0-9a-f]{8})`)

type record struct {
	Sent []struct {
		ToUser  []string `json:"touser"`
		Content string   `json:"content"`
	} `json:"sent"`
	Dropped    []json.RawMessage `json:"dropped"`
	Duplicates []json.RawMessage `json:"duplicates"`
	Calls      map[string]int    `json:"calls"`
}

func (e *env) record() record {
	resp, err := http.Get(e.fakeURL + "/fake/record")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var r record
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		e.t.Fatal(err)
	}
	return r
}

// outbox opens the replicas' outbox, to watch it.
func (e *env) outbox() *store.Store {
	st, err := store.Open(context.Background(), store.Options{URL: e.redisURL, Prefix: "chaos:"})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { st.Close() })
	return st
}

// killHolding kills r with SIGKILL as soon as the outbox has entries held
// by a sender (pending or leased) and something was delivered already:
// mid-delivery.
func (e *env) killHolding(r *replica) {
	st := e.outbox()
	var at store.OutboxStats
	waitFor(e.t, "entries held mid-delivery", 30*time.Second, func() bool {
		s, err := st.OutboxStats(context.Background())
		at = s
		return err == nil && s.Pending+s.Delayed > 0 && len(e.record().Sent) > 0
	})
	r.kill()
	e.t.Logf("killed %s holding: %d pending, %d delayed or leased", r.name, at.Pending, at.Delayed)
}

// settle waits until the outbox is empty, then counts.
func (e *env) settle(scenario string) {
	t := e.t
	ctx := context.Background()
	st := e.outbox()
	var last store.OutboxStats
	// Delivery is paced per recipient (WeCom's frequency limits), so a
	// longer run takes longer to drain: 150 s and a tenth of a second an
	// alert-bearing callback (N = 1,250 drained in 2m29s on a loaded
	// 2-core machine, against 150 s before this allowance).
	within := 150*time.Second + time.Duration(*nFlag)*100*time.Millisecond
	waitFor(t, "the outbox to drain", within, func() bool {
		s, err := st.OutboxStats(ctx)
		last = s
		return err == nil && s.Queued == 0 && s.Pending == 0 && s.Delayed == 0
	})
	t.Logf("outbox drained after %s", time.Since(e.began).Round(time.Millisecond))
	want := e.expected()
	rec := e.record()
	seen := map[string]int{}
	messages := 0
	for _, m := range rec.Sent {
		refs := refPattern.FindAllStringSubmatch(m.Content, -1)
		if len(refs) > 0 {
			messages++
		}
		for _, g := range refs {
			seen[g[1]]++
		}
	}
	var delivered, lost, dup int
	for r := range want {
		switch n := seen[r]; {
		case n == 0:
			lost++
		default:
			delivered++
			dup += n - 1
		}
	}
	unknown := 0
	for r := range seen {
		if _, ok := want[r]; !ok {
			unknown++
		}
	}
	t.Logf("chaos %s: N=%d callbacks, %d alerts expected: delivered %d, lost %d, duplicated %d (in %d messages; %d resends swallowed by the duplicate check; %d dropped by the frequency limit; %d unknown references; dead letters %d; message/send calls %d)",
		scenario, e.members*perMember, len(want), delivered, lost, dup, messages, len(rec.Duplicates), len(rec.Dropped), unknown, last.Dead, rec.Calls["message/send"])
	if lost != 0 || dup != 0 || unknown != 0 || len(rec.Dropped) != 0 || last.Dead != 0 {
		t.Errorf("chaos %s: lost %d, duplicated %d, unknown %d, dropped %d, dead %d; want all 0", scenario, lost, dup, unknown, len(rec.Dropped), last.Dead)
	}
}

// TestChaosRedisRestart kills Redis (AOF, fsync always) with SIGKILL
// halfway through the callbacks and starts it again on the same files.
func TestChaosRedisRestart(t *testing.T) {
	e := newEnv(t)
	r := e.startReplica("replica-a")
	e.send(func() string { return r.url }, func() {
		e.redis.kill()
		time.Sleep(time.Second)
		e.startRedis()
	})
	e.settle("redis-restart")
}

// TestChaosReplicaKilledMidDelivery kills the only replica with SIGKILL
// while it delivers, and starts it again.
func TestChaosReplicaKilledMidDelivery(t *testing.T) {
	e := newEnv(t)
	var cur atomic.Pointer[replica]
	cur.Store(e.startReplica("replica-a"))
	e.send(func() string { return cur.Load().url }, func() {
		e.killHolding(cur.Load())
		cur.Store(e.startReplica("replica-a2"))
	})
	e.settle("replica-kill")
}

// TestChaosTwoReplicasOneKilled runs two replicas behind a round-robin
// and kills one with SIGKILL halfway; the other takes its alerts over.
func TestChaosTwoReplicasOneKilled(t *testing.T) {
	e := newEnv(t)
	a, b := e.startReplica("replica-a"), e.startReplica("replica-b")
	var bDead atomic.Bool
	var rr atomic.Int64
	e.send(func() string {
		if bDead.Load() || rr.Add(1)%2 == 0 {
			return a.url
		}
		return b.url
	}, func() {
		bDead.Store(true)
		e.killHolding(b)
	})
	e.settle("two-replicas-one-killed")
}
