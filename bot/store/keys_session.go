package store

// Keys of the web console's sign-in sessions.

// keySession holds one session, found by the SHA-256 of its id so that a
// copy of Redis does not hand out live session cookies.
func (s *Store) keySession(idHash string) string {
	return s.prefix + "admin:session:" + keyPart(idHash)
}
