package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
)

// TestSenderRoundTripsPerAlert counts the Redis round trips (go-redis
// hook, not timed) of delivering owner alerts, each to its own chat's
// owner: the round's work (due retries and stale entries, the read, one
// lookup of everything the entries need, one note of the entries in their
// recipients' order) does not grow with the alerts,
// and each delivered message costs its pacing slot, the seal and the
// delivery mark, and in the WeCom client the shared pacer and the access
// token — five (eight before the round's lookup: 169 round trips for
// these 21 messages, now 108).
func TestSenderRoundTripsPerAlert(t *testing.T) {
	st := storetest.New(t)
	rt := &roundTrips{}
	st.ObserveCommands(rt.observe)
	h := newHarness(t, st)
	ctx := context.Background()
	const chats = 10
	for i := range chats {
		h.fake.SetArchiveRoom(wecomtest.ArchiveRoom{RoomID: fmt.Sprintf("wrrt%02d", i), Creator: fmt.Sprintf("owner%02d", i)})
	}
	// One worker: the count is of the bookkeeping each alert needs, which
	// concurrency does not change — but concurrent workers may dial an
	// extra connection or retry an optimistic transaction, which would
	// make the count vary from run to run. ClaimIdle as in service (the
	// harness's 300 ms has transmit's heartbeat renew the lease every
	// 100 ms: a send slower than that under load, or with -race, cost a
	// renewal each, the first one EVALSHA, NOSCRIPT and EVAL — 90 instead
	// of 87 once in three full runs; 109 with every send 150 ms slow).
	s := h.senderWith("r1", func(c *bot.SenderConfig) {
		c.Workers = 1
		c.ClaimIdle = 20 * time.Second
	})
	// A first round of alerts fills the caches (owners, names, the access
	// token) and loads the scripts, as a running service has them.
	send := func(tag string) {
		t.Helper()
		for i := range chats {
			m := archived(fmt.Sprintf("%s%02d", tag, i), fmt.Sprintf("member%02d", i), fmt.Sprintf("wrrt%02d", i), idCard, time.Now())
			if _, err := h.pipeline.Process(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
	}
	send("warm")
	h.drain(ctx, nil, s)
	send("m")
	// The groups seen are written by a timer (groupseen.go): written now,
	// not during the round counted.
	if err := h.pipeline.FlushGroupsSeen(ctx); err != nil {
		t.Fatal(err)
	}
	rt.take()
	n, err := s.Round(ctx)
	if err != nil {
		t.Fatal(err)
	}
	trips, names := rt.take()
	// Each message queued a warning, an owner alert and an HR notice; the
	// ten HR notices go out as one digest.
	if n != 3*chats {
		t.Fatalf("the round handled %d entries, want %d", n, 3*chats)
	}
	sends := 2*chats + 1
	t.Logf("%d round trips for %d entries in %d messages: %.1f a message (%s)", trips, n, sends, float64(trips)/float64(sends), strings.Join(names, " "))
	// The round's fifth is the note of its entries in their recipients'
	// order (store.NoteRound; 87 round trips before it, 88 with it).
	if most := 4*sends + 5; trips > most {
		t.Errorf("%d round trips for %d messages; want at most %d (4 each and 5 for the round)", trips, sends, most)
	}
}

// TestSenderRoundTripsForNewMembers: a round whose alerts name members and
// chats the cache does not know yet (a burst of offences by new members in
// new groups) asks WeCom for each, but writes what it found to the cache in
// one round trip for the round, not one per lookup (two for each new
// member's leader or chat owner and name: a third of the sender's CPU in a
// load run of new members).
func TestSenderRoundTripsForNewMembers(t *testing.T) {
	st := storetest.New(t)
	rt := &roundTrips{}
	st.ObserveCommands(rt.observe)
	h := newHarness(t, st)
	ctx := context.Background()
	const chats = 10
	for i := range 2 * chats {
		h.fake.SetArchiveRoom(wecomtest.ArchiveRoom{RoomID: fmt.Sprintf("wrnew%02d", i), Creator: fmt.Sprintf("owner%02d", i)})
	}
	s := h.senderWith("r1", func(c *bot.SenderConfig) { c.Workers = 1 })
	send := func(from int) {
		t.Helper()
		for i := from; i < from+chats; i++ {
			m := archived(fmt.Sprintf("n%02d", i), fmt.Sprintf("member%02d", i), fmt.Sprintf("wrnew%02d", i), idCard, time.Now())
			if _, err := h.pipeline.Process(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		if err := h.pipeline.FlushGroupsSeen(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// The first chats load the scripts and the access token; the second
	// ten chats and members are new to the cache.
	send(0)
	h.drain(ctx, nil, s)
	send(chats)
	rt.take()
	if _, err := s.Round(ctx); err != nil {
		t.Fatal(err)
	}
	trips, names := rt.take()
	sets := 0
	for _, n := range names {
		if n == "set" {
			sets++
		}
	}
	t.Logf("%d round trips (%s)", trips, strings.Join(names, " "))
	if sets > 0 {
		t.Errorf("%d cache writes of their own for %d new chats and members; want them in the round's one pipeline", sets, chats)
	}
}
