package store

// Customer-contact state: WeCom intercept rules kept in step with the
// policy (one document, written by the one replica holding the sync lease)
// and leavers' handovers (a document per leaver and the index of open
// ones, changed together under WATCH/MULTI, so they share {handover}).
// Leavers are few, so one slot holds them easily.

func (s *Store) keyInterceptState() string { return s.prefix + "{intercept}:state" }
func (s *Store) keyHandover(leaver string) string {
	return s.prefix + "{handover}:h:" + keyPart(leaver)
}
func (s *Store) keyHandoverOpen() string { return s.prefix + "{handover}:open" }
