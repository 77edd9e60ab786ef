package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// recipient resolves who gets an action: "user:ID", "hr" or "webhook:KEY".
func (s *Sender) recipient(ctx context.Context, a Action) (string, error) {
	switch a.Kind {
	case ActWarnSender:
		return "user:" + a.From, nil
	case ActEscalateHR, ActDigest:
		if s.cfg.HR.Empty() {
			return "", fmt.Errorf("no HR recipients configured (hr.users, hr.departments or hr.tags): %w", errNoRecipient)
		}
		return "hr", nil
	case ActGroupNotice:
		key := s.cfg.Robots[a.ChatID]
		if key == "" {
			return "", fmt.Errorf("no group robot configured for chat %q (enforcement.group_notices): %w", a.ChatID, errNoRecipient)
		}
		return "webhook:" + key, nil
	case ActReport:
		return s.reportRecipient(ctx, a)
	case ActMemberNotice, ActHRNotice, ActCriticism:
		return s.reviewRecipient(a)
	case ActProfileName, ActHandoverHR, ActHandoverLeader:
		return s.directoryRecipient(ctx, a)
	case ActAlertOwner:
		owner, err := s.owner(ctx, a)
		if err != nil {
			return "", err
		}
		if owner != "" && a.ChatID != "" && !prefetchOf(ctx).noted(a.ChatID, owner) {
			// Lets the owner see this chat's violations in the console.
			if err := s.cfg.Store.NoteOwnedChat(ctx, owner, a.ChatID); err != nil {
				return "", err
			}
		}
		if owner == "" || owner == a.From {
			// Nobody else to tell (no owner, or the owner is the sender):
			// the alert goes to HR rather than nowhere.
			if s.cfg.HR.Empty() {
				return "", fmt.Errorf("no owner for %q and no HR recipients: %w", a.ChatID, errNoRecipient)
			}
			return "hr", nil
		}
		return "user:" + owner, nil
	}
	return "", fmt.Errorf("action kind %q: %w", a.Kind, errUnknownKind)
}

// errUnknownKind is an action of a kind this release does not know: one
// queued by a newer replica during a rolling deploy (sender_calls.go's
// unhandled puts it back for another replica).
var errUnknownKind = errors.New("unknown action kind")

// recipientMemo is recipient, remembering within a round the owners of
// alerts: a burst of alerts in one chat costs one lookup, not one each.
func (s *Sender) recipientMemo(ctx context.Context, a Action, memo map[string]string) (string, error) {
	if a.Kind != ActAlertOwner {
		return s.recipient(ctx, a)
	}
	k := a.ChatKind + "\x00" + a.ChatID + "\x00" + a.From
	if r, ok := memo[k]; ok {
		return r, nil
	}
	r, err := s.recipient(ctx, a)
	if err == nil {
		memo[k] = r
	}
	return r, err
}

// errNoRecipient is permanent: retrying cannot find a recipient.
var errNoRecipient = errors.New("no recipient")

// ownerKey names what owner looks up for a: the chat's owner, or for a
// message outside a group the sender's leader (its cache key).
func ownerKey(a Action) string {
	if a.ChatID == "" {
		return "leader:" + a.From
	}
	return "owner:" + a.ChatKind + ":" + a.ChatID
}

// ownerFound is one owner lookup of a round, made ahead (lookUpOwners).
type ownerFound struct {
	owner string
	err   error
}

// lookUpOwners looks up, on up to Workers goroutines, the owners the
// round's owner alerts need, each once, and keeps the answers in the
// round's prefetch for owner. Made one after the other before any
// delivery, a burst of offences in new groups (or by new members, for
// their leaders) waited for a WeCom call each in turn.
func (s *Sender) lookUpOwners(ctx context.Context, acts []Action) {
	pf := prefetchOf(ctx)
	if pf == nil {
		return
	}
	var todo []Action
	seen := map[string]bool{}
	for _, a := range acts {
		if k := ownerKey(a); !seen[k] {
			seen[k] = true
			todo = append(todo, a)
		}
	}
	found := make([]ownerFound, len(todo))
	_ = s.parallel(len(todo), func(i int) error {
		o, err := s.lookUpOwner(ctx, todo[i])
		found[i] = ownerFound{o, err}
		return nil
	})
	pf.mu.Lock()
	defer pf.mu.Unlock()
	if pf.owners == nil {
		pf.owners = map[string]ownerFound{}
	}
	for i, a := range todo {
		pf.owners[ownerKey(a)] = found[i]
	}
}

// owner finds the owner of the action's chat, or for a message outside a
// group the sender's direct leader: as the round looked it up ahead
// (lookUpOwners), else through the cache.
func (s *Sender) owner(ctx context.Context, a Action) (string, error) {
	if pf := prefetchOf(ctx); pf != nil {
		pf.mu.Lock()
		f, ok := pf.owners[ownerKey(a)]
		pf.mu.Unlock()
		if ok {
			return f.owner, f.err
		}
	}
	return s.lookUpOwner(ctx, a)
}

// lookUpOwner is owner without the round's answers.
func (s *Sender) lookUpOwner(ctx context.Context, a Action) (string, error) {
	if a.ChatID != "" {
		if o := s.cfg.Owners[a.ChatID]; o != "" {
			return o, nil
		}
		c, ok, err := prefetchOf(ctx).chat(ctx, s.cfg.Store, a.ChatID)
		if err != nil {
			return "", err
		}
		if ok && c.Owner != "" {
			return c.Owner, nil // set by HR in the console
		}
	}
	cacheKey := ownerKey(a)
	var owner string
	if ok, err := prefetchOf(ctx).cacheGet(ctx, s.cfg.Store, cacheKey, &owner); err != nil {
		return "", err
	} else if ok {
		return owner, nil
	}
	var err error
	switch {
	case a.ChatID == "":
		var u wecom.User
		var found bool
		u, found, err = s.user(ctx, a.From)
		if err == nil && found && len(u.DirectLeader) > 0 {
			owner = u.DirectLeader[0]
		}
	default:
		// The same call answers the group's name, kept for the console.
		owner, err = s.lookupChat(ctx, a.ChatKind, a.ChatID)
	}
	if err != nil {
		if wecom.NotFound(err) {
			return "", nil
		}
		if wecom.Permanent(err) && !wecom.Retryable(err) {
			// E.g. no right to read that kind of chat: the alert goes to HR
			// (an empty owner) rather than to the dead letters, and the
			// refusal is cached like an answer.
			s.cfg.Logger.Warn().Err(err).Str("chat", a.ChatID).Msg("owner lookup refused; alerting HR instead")
			return "", prefetchOf(ctx).cacheSet(ctx, s.cfg.Store, cacheKey, "", s.cfg.LookupTTL)
		}
		return "", fmt.Errorf("look up owner of %q: %w", a.ChatID, err)
	}
	if err := prefetchOf(ctx).cacheSet(ctx, s.cfg.Store, cacheKey, owner, s.cfg.LookupTTL); err != nil {
		return "", err
	}
	return owner, nil
}

// user looks a member up (name, departments, direct leader) through the
// Redis cache shared by replicas; found is false for an unknown userid.
func (s *Sender) user(ctx context.Context, id string) (u wecom.User, found bool, err error) {
	key := "user:" + id
	if ok, err := prefetchOf(ctx).cacheGet(ctx, s.cfg.Store, key, &u); err != nil || ok {
		return u, ok && u.UserID != "", err
	}
	got, err := s.cfg.API.User(ctx, id)
	switch {
	case wecom.NotFound(err):
		u = wecom.User{} // cached too: an unknown id stays unknown for a while
	case err != nil:
		return u, false, fmt.Errorf("look up user %q: %w", id, err)
	default:
		u = *got
		s.noteDepartment(ctx, u)
	}
	if err := prefetchOf(ctx).cacheSet(ctx, s.cfg.Store, key, u, s.cfg.LookupTTL); err != nil {
		return u, false, err
	}
	return u, u.UserID != "", nil
}

// withNames fills in the display names of the senders of acts, for the
// people who read alerts; a failed lookup leaves the userid alone.
func (s *Sender) withNames(ctx context.Context, acts []Action) []Action {
	names := map[string]string{} // one lookup per member, not per action
	for i := range acts {
		if acts[i].FromName != "" {
			continue
		}
		name, ok := names[acts[i].From]
		if !ok {
			if u, found, err := s.user(ctx, acts[i].From); err == nil && found {
				name = u.Name
			}
			names[acts[i].From] = name
		}
		acts[i].FromName = name
	}
	return acts
}

// wants adds to q what looking up a's recipient and sender will read:
// the chat's settings and noted owner, the cached owner, the sender's
// cached name (asked keeps each once).
func (s *Sender) wants(q *store.RoundLookup, a Action, asked map[string]bool) {
	add := func(list *[]string, kind, k string) {
		if !asked[kind+k] {
			asked[kind+k] = true
			*list = append(*list, k)
		}
	}
	if a.Kind == ActAlertOwner {
		switch {
		case a.ChatID != "":
			add(&q.Chats, "chat:", a.ChatID)
			add(&q.Cache, "cache:", "owner:"+a.ChatKind+":"+a.ChatID)
		default:
			add(&q.Cache, "cache:", "leader:"+a.From)
		}
	}
	if a.Kind != ActWarnSender {
		add(&q.Cache, "cache:", "user:"+a.From)
	}
}

// prefetch is what a round read at once (Store.LookupRound), consulted by
// the lookups before they ask Redis themselves: an alert costs no lookup
// round trip of its own. What the round caches itself is kept in it and
// written to Redis once, at the end of the round (flush: one pipeline for
// all, where two SETs for each new member's leader lookup were a third of
// the sender's CPU under load), so a second alert about the same chat or
// member does not ask WeCom again. The round's concurrent deliveries share
// it, under mu.
type prefetch struct {
	chats  map[string]bool // what was asked
	mu     sync.Mutex
	cache  map[string]bool // what was asked, or cached since (under mu)
	looked store.RoundLooked
	writes []store.CacheWrite    // what the round cached, for flush (under mu)
	owners map[string]ownerFound // looked up ahead, by ownerKey (under mu)
}

type prefetchKey struct{}

// withPrefetch carries the round's prefetch in ctx to the lookups, which
// are reached from several paths (recipients, names, reports, directory
// events); a context value spares every one of them a parameter.
func withPrefetch(ctx context.Context, q store.RoundLookup, looked store.RoundLooked) context.Context {
	pf := &prefetch{chats: map[string]bool{}, cache: map[string]bool{}, looked: looked}
	for _, c := range q.Chats {
		pf.chats[c] = true
	}
	for _, k := range q.Cache {
		pf.cache[k] = true
	}
	return context.WithValue(ctx, prefetchKey{}, pf)
}

// prefetchOf is ctx's prefetch; nil (every lookup asks Redis) outside a round.
func prefetchOf(ctx context.Context) *prefetch {
	pf, _ := ctx.Value(prefetchKey{}).(*prefetch)
	return pf
}

// chat is ChatStore.Chat, from the prefetch when it was read.
func (pf *prefetch) chat(ctx context.Context, st ChatStore, id string) (store.ChatInfo, bool, error) {
	if pf == nil || !pf.chats[id] {
		return st.Chat(ctx, id)
	}
	c, ok := pf.looked.Chats[id]
	return c, ok, nil
}

// cacheGet is CacheGet, from the prefetch when the key was read or cached
// in this round.
func (pf *prefetch) cacheGet(ctx context.Context, st OutboxStore, key string, v any) (bool, error) {
	if pf == nil {
		return st.CacheGet(ctx, key, v)
	}
	pf.mu.Lock()
	known := pf.cache[key]
	raw, ok := pf.looked.Cache[key]
	pf.mu.Unlock()
	if !known {
		return st.CacheGet(ctx, key, v)
	}
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, fmt.Errorf("decode cache %q: %w", key, err)
	}
	return true, nil
}

// cacheSet is CacheSet; within a round it is kept in the prefetch and
// written by flush.
func (pf *prefetch) cacheSet(ctx context.Context, st OutboxStore, key string, v any, ttl time.Duration) error {
	if pf == nil {
		return st.CacheSet(ctx, key, v, ttl)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode cache %q: %w", key, err)
	}
	pf.mu.Lock()
	pf.cache[key] = true
	pf.looked.Cache[key] = raw
	pf.writes = append(pf.writes, store.CacheWrite{Key: key, Data: raw, TTL: ttl})
	pf.mu.Unlock()
	return nil
}

// flush writes what the round cached, in one round trip. It is done even
// when the round's context ended (a shutdown), within bookkeeping; a write
// lost to a crash only costs another replica a lookup.
func (pf *prefetch) flush(ctx context.Context, st OutboxStore) error {
	pf.mu.Lock()
	writes := pf.writes
	pf.writes = nil
	pf.mu.Unlock()
	if len(writes) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bookkeeping)
	defer cancel()
	return st.CacheSetMany(ctx, writes)
}

// noted reports whether owner was already noted as chat's owner when the
// round began (NoteOwnedChat has nothing to do then).
func (pf *prefetch) noted(chat, owner string) bool {
	return pf != nil && pf.chats[chat] && pf.looked.Owners[chat] == owner
}

// redactRecipient keeps robot keys (secrets) out of logs.
func redactRecipient(r string) string {
	if strings.HasPrefix(r, "webhook:") {
		return "webhook:***"
	}
	return r
}
