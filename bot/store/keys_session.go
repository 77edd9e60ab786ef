package store

// Keys of the web console's sign-in sessions.

// keySession holds one session, found by the SHA-256 of its id so that a
// copy of Redis does not hand out live session cookies.
func (s *Store) keySession(idHash string) string {
	return s.prefix + "admin:session:" + keyPart(idHash)
}

// keySignInState holds one WeCom sign-in in progress, found by the SHA-256
// of its OAuth state.
func (s *Store) keySignInState(stateHash string) string {
	return s.prefix + "admin:signin:" + keyPart(stateHash)
}

// keyTokenUse records when each API token was last used (token id → Unix
// ms); it carries the {admin} tag of keyTokens, changed with it in one
// transaction on revoke.
func (s *Store) keyTokenUse() string { return s.prefix + "{admin}:tokens:used" }
