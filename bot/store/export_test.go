package store

// Addr exposes the server address to the external tests, which open a
// second connection to the same server as another replica would.
func (s *Store) Addr() string { return s.rdb.Options().Addr }
