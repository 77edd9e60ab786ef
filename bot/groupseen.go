package bot

import (
	"context"
	"errors"
	"os"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot/store"
)

// Every group a message arrives from is listed on the console's 群聊 page
// (kind, last seen, message count). Recording it must not cost a clean
// message a Redis round trip (its one round trip is the dedup mark), so
// the pipeline counts in memory and flushes every groupsSeenEvery in one
// script call, off the message's path.
//
// The listing is lossy by design: a replica that stops loses at most its
// last few seconds of counts, and when more than maxGroupsPending chats
// are pending new ones wait for the next flush's room (counted as
// dropped). Nothing else reads these counts; the violations and their
// statistics are counted exactly elsewhere.

// GroupsSeenStore records the groups seen (bot/store.Store is one).
type GroupsSeenStore interface {
	NoteGroupsSeen(ctx context.Context, gs []store.GroupSeen, now time.Time) error
}

const (
	groupsSeenEvery  = 5 * time.Second
	maxGroupsPending = 5000
	groupsSeenFlush  = 10 * time.Second // bound of one flush
	maxSeenFailures  = 3                // failed flushes in a row before a batch is dropped
)

// groupsSeen batches the groups seen between flushes. A flush is armed by
// the first note after one (time.AfterFunc): an idle pipeline runs no
// timer and leaves nothing behind.
type groupsSeen struct {
	st  GroupsSeenStore
	now func() time.Time
	log zerolog.Logger

	mu       sync.Mutex
	pending  map[string]*store.GroupSeen
	armed    bool
	dropped  int
	failures int // flushes failed in a row
}

func newGroupsSeen(st GroupsSeenStore, now func() time.Time) *groupsSeen {
	// The pipeline has no logger of its own; flush failures are rare and
	// worth a line on stderr, like the service's own log.
	log := zerolog.New(os.Stderr).With().Timestamp().Str("component", "groups_seen").Logger()
	return &groupsSeen{st: st, now: now, log: log, pending: map[string]*store.GroupSeen{}}
}

// note counts one message from chat (of kind) at t.
func (g *groupsSeen) note(chat, kind string, t time.Time) {
	if g == nil || chat == "" || len(chat) > store.MaxGroupID {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.pending[chat]
	if p == nil {
		if len(g.pending) >= maxGroupsPending {
			g.dropped++
			return
		}
		p = &store.GroupSeen{ChatID: chat}
		g.pending[chat] = p
	}
	p.Messages++
	if kind != "" {
		p.Kind = kind
	}
	if t.After(p.LastSeen) {
		p.LastSeen = t
	}
	g.arm()
}

// arm schedules a flush unless one is; g.mu is held.
func (g *groupsSeen) arm() {
	if g.armed {
		return
	}
	g.armed = true
	time.AfterFunc(groupsSeenEvery, func() {
		ctx, cancel := context.WithTimeout(context.Background(), groupsSeenFlush)
		defer cancel()
		_ = g.flush(ctx) // logged there
	})
}

// flush writes what is pending; on failure the counts are put back (up to
// the bound) for the next flush.
func (g *groupsSeen) flush(ctx context.Context) error {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	batch := make([]store.GroupSeen, 0, len(g.pending))
	for _, p := range g.pending {
		batch = append(batch, *p)
	}
	g.pending = map[string]*store.GroupSeen{}
	g.armed = false
	dropped := g.dropped
	g.dropped = 0
	g.mu.Unlock()
	if dropped > 0 {
		g.log.Warn().Int("dropped", dropped).Msg("groups seen: too many chats between flushes; some messages not counted in the listing")
	}
	if len(batch) == 0 {
		return nil
	}
	err := g.st.NoteGroupsSeen(ctx, batch, g.now())
	g.mu.Lock()
	if err == nil {
		g.failures = 0
	} else {
		g.failures++
	}
	failures := g.failures
	g.mu.Unlock()
	if err == nil {
		return nil
	}
	if errors.Is(err, redis.ErrClosed) {
		return nil // the store closed: the service (or a test) is stopping
	}
	if failures >= maxSeenFailures {
		// Redis has been down (or the store closed) for a while: the
		// listing loses these counts rather than retrying for ever.
		g.log.Warn().Err(err).Int("groups", len(batch)).Msg("groups seen not recorded; dropped after repeated failures")
		return err
	}
	g.log.Warn().Err(err).Int("groups", len(batch)).Msg("groups seen not recorded; retrying at the next flush")
	for _, b := range batch {
		g.mergeBack(b)
	}
	return err
}

func (g *groupsSeen) mergeBack(b store.GroupSeen) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.pending[b.ChatID]
	if p == nil {
		if len(g.pending) >= maxGroupsPending {
			return
		}
		g.pending[b.ChatID] = &b
	} else {
		p.Messages += b.Messages
		if b.LastSeen.After(p.LastSeen) {
			p.LastSeen = b.LastSeen
		}
		if p.Kind == "" {
			p.Kind = b.Kind
		}
	}
	g.arm()
}

// FlushGroupsSeen writes the groups seen so far at once (at shutdown, and
// in tests, which cannot wait for the timer).
func (p *Pipeline) FlushGroupsSeen(ctx context.Context) error { return p.seen.flush(ctx) }
