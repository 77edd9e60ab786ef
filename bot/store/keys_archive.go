package store

// Keys of the chat-archive ingest, kept out of keys.go so the archive work
// lands in its own files; the same rule holds: every key is built here.

// keyArchiveSeq is the last ingested archive seq of one corp.
func (s *Store) keyArchiveSeq(corpID string) string {
	return s.prefix + "archive:seq:" + keyPart(corpID)
}

// keyArchiveNotify counts msgaudit_notify events.
func (s *Store) keyArchiveNotify() string { return s.prefix + "archive:notify" }
