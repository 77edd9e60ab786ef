package store

// Keys of the groups seen and the names WeCom gave to groups and
// departments, for the console's 群聊 page and names.
//
// The groups seen are three structures written together by one script
// (seenScript), so they share {groups}: when each chat was last seen (a
// sorted set, score = unix seconds), the kind it arrived as and how many
// messages came from it (hashes, chat id → value). Group names from WeCom
// share the tag too (one hash, chat id → JSON). Writes are batched by the
// pipeline (a flush every few seconds), so the one slot sees a few
// commands a second, not one per message.
func (s *Store) keyGroupsLast() string  { return s.prefix + "{groups}:seen:last" }
func (s *Store) keyGroupsKind() string  { return s.prefix + "{groups}:seen:kind" }
func (s *Store) keyGroupsCount() string { return s.prefix + "{groups}:seen:count" }
func (s *Store) keyGroupNames() string  { return s.prefix + "{groups}:names" }

// keyDepartments is the names of departments from WeCom (department/get),
// department id → JSON; it lives with HR's directory under {directory}.
func (s *Store) keyDepartments() string { return s.prefix + "{directory}:departments" }
