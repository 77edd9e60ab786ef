package store

// Keys of the intelligent bot and the directory events. Both carry the
// user's {u:…} tag, so they share a cluster slot with the user's counters.

// keyReportRate is one member's rolling window of reports (举报).
func (s *Store) keyReportRate(user string) string {
	return s.prefix + "{u:" + keyPart(user) + "}:reports"
}

// keyUserViolations indexes one member's violations by time.
func (s *Store) keyUserViolations(user string) string {
	return s.prefix + "{u:" + keyPart(user) + "}:viols"
}
