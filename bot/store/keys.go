package store

// Every key name of the project is built by a function in this file. Keys that
// must live in one Redis Cluster slot together carry the same {hash tag}.

func (s *Store) keyDedup(id string) string       { return s.prefix + "dedup:" + id }
func (s *Store) keyToken(name string) string     { return s.prefix + "token:{" + name + "}" }
func (s *Store) keyTokenLock(name string) string { return s.prefix + "token:{" + name + "}:lock" }

// keyViolationCounter is one user's rolling window of violations in one
// category. The {u:…} tag keeps all of a user's counters in one cluster slot.
func (s *Store) keyViolationCounter(user, category string) string {
	return s.prefix + "{u:" + user + "}:viol:" + category
}

func (s *Store) keyViolation(id string) string { return s.prefix + "viol:" + id }
func (s *Store) keyViolationIndex() string     { return s.prefix + "viol:index" }
func (s *Store) keyCase(id string) string      { return s.prefix + "case:" + id }
func (s *Store) keyOpenCases() string          { return s.prefix + "cases:open" }

func (s *Store) keyOutbox() string                    { return s.prefix + "{outbox}:q" }
func (s *Store) keyOutboxDelayed() string             { return s.prefix + "{outbox}:delayed" }
func (s *Store) keyOutboxDead() string                { return s.prefix + "{outbox}:dead" }
func (s *Store) keyOutboxEnqueued(key string) string  { return s.prefix + "{outbox}:enq:" + key }
func (s *Store) keyOutboxDelivered(key string) string { return s.prefix + "{outbox}:done:" + key }

// keySendRate is the sliding window of messages sent to one recipient.
func (s *Store) keySendRate(recipient string) string { return s.prefix + "rate:{r:" + recipient + "}" }

func (s *Store) keyCache(key string) string { return s.prefix + "cache:" + key }

func (s *Store) keyTokenHash(hash string) string { return s.prefix + "admin:token:" + hash }
func (s *Store) keyTokens() string               { return s.prefix + "admin:tokens" }
func (s *Store) keyAudit() string                { return s.prefix + "audit" }

// keyMemberPace is one member's window of the client's pacer. All members
// share the {pace} tag: one script checks several members at once, which
// Redis Cluster allows only within one slot.
func (s *Store) keyMemberPace(member string) string { return s.prefix + "{pace}:" + member }

// keyChats is the hash of HR's chat settings, chat id → ChatInfo JSON.
func (s *Store) keyChats() string { return s.prefix + "chats" }

func (s *Store) keyRulesFiles() string   { return s.prefix + "{rules}:files" }
func (s *Store) keyRulesVersion() string { return s.prefix + "{rules}:version" }
func (s *Store) keyRulesChannel() string { return s.prefix + "{rules}:changed" }

func (s *Store) keyAllCases() string { return s.prefix + "cases:all" }

// The owner index shares the {owners} tag: one script moves a chat from
// its old owner's set to the new one's.
func (s *Store) keyOwnedChats(owner string) string { return s.prefix + "{owners}:user:" + owner }
func (s *Store) keyChatOwners() string             { return s.prefix + "{owners}:chat" }

// keyStats is one day's statistics hash.
func (s *Store) keyStats(day string) string { return s.prefix + "stats:" + day }

func (s *Store) keyLease(name string) string { return s.prefix + "lease:" + name }
func (s *Store) keyOnce(id string) string    { return s.prefix + "once:" + id }
