package store

// Every key name of the project is built by a function in this file (and
// keys_*.go). Every externally supplied part goes through keyPart, so no key is
// unbounded and no brace in an id makes a Redis Cluster hash tag.
//
// Cluster slots: keys that one script or MULTI touches together carry the
// same {hash tag} ({outbox}, {rules}, {owners}, {cases}, {admin},
// {stats:<day>}, {u:<user>}); per-member windows have their own
// ({pace:<member>}, {r:<recipient>}). docs/redis.md lists the families.

func (s *Store) keyDedup(msgID string) string { return s.prefix + "dedup:" + keyPart(msgID) }
func (s *Store) keyToken(name string) string  { return s.prefix + "token:{" + keyPart(name) + "}" }
func (s *Store) keyTokenLock(name string) string {
	return s.prefix + "token:{" + keyPart(name) + "}:lock"
}
func (s *Store) keyViolation(vid string) string { return s.prefix + "viol:" + keyPart(vid) }
func (s *Store) keyViolationIndex() string      { return s.prefix + "viol:index" }
func (s *Store) keyCache(key string) string     { return s.prefix + "cache:" + keyPart(key) }
func (s *Store) keyLease(name string) string    { return s.prefix + "lease:" + keyPart(name) }
func (s *Store) keyOnce(onceID string) string   { return s.prefix + "once:" + keyPart(onceID) }
func (s *Store) keyAudit() string               { return s.prefix + "audit" }

// keyStats is one day's statistics hash; keyStatsCounted remembers the
// violations it counted, changed with it in one script, so both carry the
// day's {stats:…} tag.
func (s *Store) keyStats(day string) string { return s.prefix + "{stats:" + keyPart(day) + "}" }
func (s *Store) keyStatsCounted(day string) string {
	return s.prefix + "{stats:" + keyPart(day) + "}:counted"
}

// keyViolationCounter is one user's rolling window of violations in one
// category. The {u:…} tag keeps all of a user's keys in one cluster slot.
func (s *Store) keyViolationCounter(user, category string) string {
	return s.prefix + "{u:" + keyPart(user) + "}:viol:" + keyPart(category)
}

// Cases: a record per case and the open and all-cases indexes, changed
// together under WATCH/MULTI, so they share {cases}. Cases are few (one per
// escalation to HR), so one slot holds them easily.
func (s *Store) keyCase(caseID string) string { return s.prefix + "{cases}:case:" + keyPart(caseID) }
func (s *Store) keyOpenCases() string         { return s.prefix + "{cases}:open" }
func (s *Store) keyAllCases() string          { return s.prefix + "{cases}:all" }

// The outbox is one stream; its delayed set, dead letters and marks move
// with it in scripts, so all share {outbox}.
func (s *Store) keyOutbox() string        { return s.prefix + "{outbox}:q" }
func (s *Store) keyOutboxDelayed() string { return s.prefix + "{outbox}:delayed" }
func (s *Store) keyOutboxDead() string    { return s.prefix + "{outbox}:dead" }
func (s *Store) keyOutboxEnqueued(key string) string {
	return s.prefix + "{outbox}:enq:" + keyPart(key)
}
func (s *Store) keyOutboxDelivered(key string) string {
	return s.prefix + "{outbox}:done:" + keyPart(key)
}

// A recipient's entries waiting for their turn (outbox_wait.go): by place,
// and by due time; the index names the recipients with any.
func (s *Store) keyOutboxWaiting() string { return s.prefix + "{outbox}:waiting" }
func (s *Store) keyOutboxWait(recipient string) string {
	return s.prefix + "{outbox}:wait:" + keyPart(recipient)
}
func (s *Store) keyOutboxWaitDue(recipient string) string {
	return s.prefix + "{outbox}:waitdue:" + keyPart(recipient)
}

// keySendRate is the sliding window of messages sent to one recipient.
func (s *Store) keySendRate(recipient string) string {
	return s.prefix + "rate:{r:" + keyPart(recipient) + "}"
}

// Admin API tokens: a record per token (by the hash of its secret) and the
// listing id → hash, written together in MULTI, so they share {admin}.
func (s *Store) keyTokenHash(hash string) string { return s.prefix + "{admin}:token:" + keyPart(hash) }
func (s *Store) keyTokens() string               { return s.prefix + "{admin}:tokens" }

// keyMemberPace is one member's window of the client's pacer. Each member
// has its own tag: a message to several members is paced key by key, so
// the windows spread over the cluster instead of crowding one slot.
func (s *Store) keyMemberPace(member string) string {
	return s.prefix + "{pace:" + keyPart(member) + "}"
}

// keyChats is the hash of HR's chat settings, chat id → ChatInfo JSON.
func (s *Store) keyChats() string { return s.prefix + "chats" }

func (s *Store) keyRulesFiles() string   { return s.prefix + "{rules}:files" }
func (s *Store) keyRulesVersion() string { return s.prefix + "{rules}:version" }
func (s *Store) keyRulesChannel() string { return s.prefix + "{rules}:changed" }
func (s *Store) keyRulesDeltas() string  { return s.prefix + "{rules}:deltas" }

// The owner index shares the {owners} tag: one script moves a chat from
// its old owner's set to the new one's.
func (s *Store) keyOwnedChats(owner string) string {
	return s.prefix + "{owners}:user:" + keyPart(owner)
}
func (s *Store) keyChatOwners() string { return s.prefix + "{owners}:chat" }

// The stream ids of the entries read that their round has noted
// (outbox_note.go), scored by id: those pending elsewhere and absent are
// read but not yet resolved to a recipient.
func (s *Store) keyOutboxNoted() string { return s.prefix + "{outbox}:noted" }
