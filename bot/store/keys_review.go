package store

// Keys of false alarms (误报), appeals (申诉) and HR's decisions. Appeals,
// owners' false-alarm requests and suspension confirmations belong to
// cases and change together with their indexes under WATCH/MULTI or in one
// script, so they share the {cases} tag; the false-alarm statistics live
// with the day's statistics ({stats:<day>}), the violation's counters with
// its sender ({u:<user>}, keyViolationCounter).

func (s *Store) keyAppeal(id string) string { return s.prefix + "{cases}:appeal:" + keyPart(id) }
func (s *Store) keyOpenAppeals() string     { return s.prefix + "{cases}:appeals:open" }
func (s *Store) keyAllAppeals() string      { return s.prefix + "{cases}:appeals:all" }

// keyFalseAlarmRequest is a group owner's request to withdraw violation vid.
func (s *Store) keyFalseAlarmRequest(vid string) string {
	return s.prefix + "{cases}:fareq:" + keyPart(vid)
}
func (s *Store) keyOpenFalseAlarmRequests() string { return s.prefix + "{cases}:fareq:open" }
func (s *Store) keyAllFalseAlarmRequests() string  { return s.prefix + "{cases}:fareq:all" }

// keyConfirm holds the one-time token of a pending second confirmation
// (停用账号) of a case.
func (s *Store) keyConfirm(action, caseID string) string {
	return s.prefix + "{cases}:confirm:" + keyPart(action) + ":" + keyPart(caseID)
}

// keyStatsFalseAlarms remembers the violations counted as false alarms in
// the day's statistics hash (keyStats), so a retried withdrawal counts once.
func (s *Store) keyStatsFalseAlarms(day string) string {
	return s.prefix + "{stats:" + keyPart(day) + "}:false-alarms"
}
