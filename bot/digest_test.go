package bot_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
)

// TestDigestOnceAcrossReplicas: two replicas tick the digest schedule
// concurrently, many times, past 09:00; HR gets exactly one digest, with
// yesterday's counts and the open cases.
func TestDigestOnceAcrossReplicas(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	cst := time.FixedZone("CST", 8*3600)
	yesterday := time.Date(2026, 11, 26, 15, 0, 0, 0, cst)
	for i := 0; i < 3; i++ {
		if _, err := h.pipeline.Process(ctx, archived("y"+strconv.Itoa(i), "zhangsan", "wrwork1", insult, yesterday.Add(time.Duration(i)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.pipeline.Process(ctx, archived("y9", "lisi", "wrwork1", "客户身份证 11010519491231002X", yesterday)); err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 11, 27, 8, 59, 0, 0, cst)
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	var replicas []*bot.Digester
	for _, name := range []string{"replica-a", "replica-b"} {
		d, err := bot.NewDigester(bot.DigestConfig{Store: h.st, Holder: name, At: 9 * time.Hour, Now: now, Logger: zerolog.Nop()})
		if err != nil {
			t.Fatal(err)
		}
		replicas = append(replicas, d)
	}
	for _, d := range replicas {
		if queued, err := d.Tick(ctx); err != nil || queued {
			t.Fatalf("before 09:00: queued=%v err=%v", queued, err)
		}
	}
	mu.Lock()
	clock = clock.Add(2 * time.Minute)
	mu.Unlock()
	var wg sync.WaitGroup
	var queued sync.Map
	for i, d := range replicas {
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := d.Tick(ctx)
				if err != nil {
					t.Error(err)
				}
				if ok {
					queued.Store(i, true)
				}
			}()
		}
	}
	wg.Wait()
	n := 0
	queued.Range(func(any, any) bool { n++; return true })
	if n != 1 {
		t.Fatalf("%d replicas queued a digest, want exactly 1", n)
	}
	h.drain(ctx, nil, h.sender("r1", nil))
	var digests []string
	for _, m := range h.fake.Sent() {
		if strings.Contains(m.Content, "日报") {
			digests = append(digests, m.Content)
		}
	}
	if len(digests) != 1 {
		t.Fatalf("HR got %d digests, want 1", len(digests))
	}
	d := digests[0]
	for _, want := range []string{"2026-11-27", "违规 4 条", "辱骂人身攻击：3", "客户信息", "zhangsan：3", "未结案件"} {
		if !strings.Contains(d, want) {
			t.Errorf("digest lacks %q:\n%s", want, d)
		}
	}
	if strings.Contains(d, "11010519491231002X") || strings.Contains(d, "傻逼") {
		t.Errorf("digest shows unmasked evidence:\n%s", d)
	}
	// The next day brings the next digest, from whichever replica holds
	// the lease (it outlives the fake clock's day).
	mu.Lock()
	clock = clock.Add(24 * time.Hour)
	mu.Unlock()
	next := 0
	for _, d := range replicas {
		ok, err := d.Tick(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			next++
		}
	}
	if next != 1 {
		t.Fatalf("next day: %d digests queued, want 1", next)
	}
}

func TestLease(t *testing.T) {
	st := newHarness(t, nil).st
	ctx := context.Background()
	ok, err := st.TryLease(ctx, "x", "a", time.Minute)
	if err != nil || !ok {
		t.Fatalf("first lease: %v %v", ok, err)
	}
	if ok, _ := st.TryLease(ctx, "x", "b", time.Minute); ok {
		t.Fatal("b took a's lease")
	}
	if ok, _ := st.TryLease(ctx, "x", "a", time.Minute); !ok {
		t.Fatal("a could not renew its lease")
	}
}

// flakyStats fails Stats once, as a Redis blip would.
type flakyStats struct {
	bot.DigestStore
	failed bool
}

func (f *flakyStats) Stats(ctx context.Context, now time.Time, days int) ([]store.DayStats, error) {
	if !f.failed {
		f.failed = true
		return nil, errors.New("connection reset")
	}
	return f.DigestStore.Stats(ctx, now, days)
}

func TestDigestSurvivesAFailedBuild(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
	d, err := bot.NewDigester(bot.DigestConfig{Store: &flakyStats{DigestStore: h.st}, Holder: "r1", At: 9 * time.Hour,
		Now: func() time.Time { return at }, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Tick(ctx); err == nil {
		t.Fatal("the first tick did not fail")
	}
	if ok, err := d.Tick(ctx); err != nil || !ok {
		t.Fatalf("the next tick: queued=%v err=%v, want the digest queued after all", ok, err)
	}
}

// TestDigestLeavesOutFalseAlarms: a violation withdrawn as a false alarm
// leaves the digest's counts and is named apart.
func TestDigestLeavesOutFalseAlarms(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	cst := time.FixedZone("CST", 8*3600)
	// The last 09:01 and the afternoon before: the records are read through
	// the sender's index, which a fixed date (2026-11-26) would have let
	// expire from 2027-05-25, its 180 days' retention counted by Redis.
	digestAt := latestInChina(time.Now(), 9, 1)
	y, mon, day := digestAt.In(cst).Date()
	yesterday := time.Date(y, mon, day-1, 15, 0, 0, 0, cst)
	for i := 0; i < 3; i++ {
		if _, err := h.pipeline.Process(ctx, archived("f"+strconv.Itoa(i), "zhangsan", "wrwork1", insult, yesterday.Add(time.Duration(i)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	vs, err := h.st.UserViolations(ctx, "zhangsan", 10)
	if err != nil || len(vs) != 3 {
		t.Fatalf("violations: %d, %v", len(vs), err)
	}
	if _, err := h.st.CountFalseAlarm(ctx, vs[0], 48*time.Hour); err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return digestAt }
	d, err := bot.NewDigester(bot.DigestConfig{Store: h.st, Holder: "r1", At: 9 * time.Hour, Now: now, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	if queued, err := d.Tick(ctx); err != nil || !queued {
		t.Fatalf("digest: queued=%v err=%v", queued, err)
	}
	h.drain(ctx, nil, h.sender("r1", nil))
	var digest string
	for _, m := range h.fake.Sent() {
		if strings.Contains(m.Content, "日报") {
			digest = m.Content
		}
	}
	for _, want := range []string{"违规 2 条", "辱骂人身攻击：2", "zhangsan：2", "另有 1 条经核实为误报"} {
		if !strings.Contains(digest, want) {
			t.Errorf("digest lacks %q:\n%s", want, digest)
		}
	}
}
