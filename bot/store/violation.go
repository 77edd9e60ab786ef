package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Violation is the stored record of one message that broke the policy.
// Evidence is masked; Raw (the message text) is kept only when the policy
// asks for it, and expires with the record.
type Violation struct {
	ID       string    `json:"id"` // the message's dedup id
	Time     time.Time `json:"time"`
	From     string    `json:"from"`
	ChatID   string    `json:"chat_id,omitempty"`
	ChatKind string    `json:"chat_kind"`
	Source   string    `json:"source"`
	Severity string    `json:"severity"`
	Action   string    `json:"action"` // what the ladder did: warn, alert_owner, escalate_hr, log
	Hits     []VHit    `json:"hits"`
	CaseID   string    `json:"case_id,omitempty"`
	Sanction string    `json:"sanction,omitempty"` // suggested, for HR
	Raw      string    `json:"raw,omitempty"`
	Recalled bool      `json:"recalled,omitempty"`
	// Withdrawn is set when HR withdrew it as a false alarm (falsealarm.go).
	Withdrawn *Withdrawal `json:"withdrawn,omitempty"`
	// Decided is what the ladder decided, so that a retry that finds the
	// record (stored by a try cut short) keeps that decision.
	Decided *Decided `json:"decided,omitempty"`
}

// Decided is the ladder's decision for one violation (bot.Step).
type Decided struct {
	Warn       bool   `json:"warn,omitempty"`
	AlertOwner bool   `json:"alert_owner,omitempty"`
	EscalateHR bool   `json:"escalate_hr,omitempty"`
	Critical   bool   `json:"critical,omitempty"`
	Reason     string `json:"reason,omitempty"`
}

// VHit is one hit of a violation.
type VHit struct {
	Category string `json:"category"`
	Rule     string `json:"rule"`
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
	Masked   string `json:"masked"`
	Start    int    `json:"start"`
	End      int    `json:"end"`
}

// countStats counts a violation in its day's statistics (KEYS[1], fields
// ARGV[3…]) once: KEYS[2], a companion in the same slot, remembers the
// violations counted, so a retried save counts nothing.
//
//	ARGV[1] violation id (in key form)  ARGV[2] keep, ms
var countStats = redis.NewScript(`
if redis.call("SADD", KEYS[2], ARGV[1]) == 0 then
  return 0
end
for i = 3, #ARGV do
  redis.call("HINCRBY", KEYS[1], ARGV[i], 1)
end
redis.call("PEXPIRE", KEYS[1], ARGV[2])
redis.call("PEXPIRE", KEYS[2], ARGV[2])
return 1`)

// SaveViolation stores v for retention (at least a day), indexes it by
// time and counts it in its day's statistics. The record, the index and
// the statistics live in different cluster slots, so they are written one
// after the other, each step harmless to repeat: a save retried after a
// failure half-way completes it without counting twice.
func (s *Store) SaveViolation(ctx context.Context, v Violation, retention time.Duration) error {
	if retention < 24*time.Hour {
		retention = 24 * time.Hour
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode violation %s: %w", v.ID, err)
	}
	at := v.Time.UnixMilli()
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.keyViolation(v.ID), data, retention)
		p.ZAdd(ctx, s.keyViolationIndex(), redis.Z{Score: float64(at), Member: v.ID})
		p.ZRemRangeByScore(ctx, s.keyViolationIndex(), "-inf", "("+strconv.FormatInt(at-retention.Milliseconds(), 10))
		return nil
	})
	if err != nil {
		return fmt.Errorf("save violation %s: %w", v.ID, err)
	}
	if err := s.indexRefs(ctx, v, retention); err != nil {
		return err
	}
	day := statsDay(v.Time)
	args := []any{keyPart(v.ID), retention.Milliseconds()}
	for _, f := range statFields(v) {
		args = append(args, f)
	}
	if err := countStats.Run(ctx, s.rdb, []string{s.keyStats(day), s.keyStatsCounted(day)}, args...).Err(); err != nil {
		return fmt.Errorf("count violation %s in statistics: %w", v.ID, err)
	}
	return nil
}

// Violation returns the stored violation id; ok is false when there is none.
func (s *Store) Violation(ctx context.Context, id string) (v Violation, ok bool, err error) {
	ok, err = s.getJSON(ctx, s.keyViolation(id), &v)
	return v, ok, err
}

// Case is an escalation to HR: a violation (or a series) for HR to decide
// on. The bot suggests a sanction; only HR decides.
type Case struct {
	ID           string    `json:"id"`
	Opened       time.Time `json:"opened"`
	User         string    `json:"user"`
	Category     string    `json:"category"`
	Severity     string    `json:"severity"`
	Suggested    string    `json:"suggested_sanction"`
	Reason       string    `json:"reason"`
	Violations   []string  `json:"violations"`
	Status       string    `json:"status"` // open, acknowledged, resolved
	Decision     string    `json:"decision,omitempty"`
	DecidedBy    string    `json:"decided_by,omitempty"`
	DecisionAt   time.Time `json:"decision_at,omitzero"`
	DecisionNote string    `json:"note,omitempty"`
	CaseReview             // appeals, false alarms, notices (falsealarm.go)
}

// openCaseScript stores case KEYS[1] (ARGV[1], JSON) unless it exists, and
// indexes it (id ARGV[2], opened at ARGV[3] ms) in the open (KEYS[2])
// and all-cases (KEYS[3]) indexes every time, not only when created: a
// retry after a failed index write still indexes it (adding again changes
// nothing), and a case already resolved is not reopened. It returns 1 when
// it created the case.
var openCaseScript = redis.NewScript(`
local created = redis.call("SET", KEYS[1], ARGV[1], "NX")
local stored = cjson.decode(redis.call("GET", KEYS[1]))
if stored["status"] ~= "` + CaseResolved + `" then
  redis.call("ZADD", KEYS[2], ARGV[3], ARGV[2])
end
redis.call("ZADD", KEYS[3], ARGV[3], ARGV[2])
if created then return 1 end
return 0`)

// OpenCase stores c (status open) unless a case with its id exists, and
// reports whether it created it; a retried message never opens two cases.
func (s *Store) OpenCase(ctx context.Context, c Case) (created bool, err error) {
	c.Status = CaseOpen
	data, err := json.Marshal(c)
	if err != nil {
		return false, fmt.Errorf("encode case %s: %w", c.ID, err)
	}
	keys := []string{s.keyCase(c.ID), s.keyOpenCases(), s.keyAllCases()}
	n, err := openCaseScript.Run(ctx, s.rdb, keys, data, c.ID, c.Opened.UnixMilli()).Int()
	if err != nil {
		return false, fmt.Errorf("open case %s: %w", c.ID, err)
	}
	return n == 1, nil
}

// Case returns the case id; ok is false when there is none.
func (s *Store) Case(ctx context.Context, id string) (c Case, ok bool, err error) {
	ok, err = s.getJSON(ctx, s.keyCase(id), &c)
	return c, ok, err
}

// OpenCases returns the ids of the open cases, oldest first.
func (s *Store) OpenCases(ctx context.Context) ([]string, error) {
	ids, err := s.rdb.ZRange(ctx, s.keyOpenCases(), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("list open cases: %w", err)
	}
	return ids, nil
}

// hgetJSON reads a JSON field of a hash into v; false when absent.
func (s *Store) hgetJSON(ctx context.Context, key, field string, v any) (bool, error) {
	data, err := s.rdb.HGet(ctx, key, field).Bytes()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("get %q %q: %w", key, field, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("decode %q %q: %w", key, field, err)
	}
	return true, nil
}

func (s *Store) getJSON(ctx context.Context, key string, v any) (bool, error) {
	data, err := s.rdb.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("get %q: %w", key, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("decode %q: %w", key, err)
	}
	return true, nil
}

// CaseIDFor makes a case id from a message id and the time: stable for a
// retried message, readable for HR.
func CaseIDFor(msgID string, t time.Time) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(msgID))
	return "C" + t.Format("20060102") + "-" + strconv.FormatUint(h.Sum64(), 36)
}
