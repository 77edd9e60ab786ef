package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The short reference at the end of every warning and alert, "（记录
// 1d991024）", names the action that sent it: RefOf(message id + "/" +
// kind). A person reads it out or types it into the console's search box,
// so it resolves here to the violation (and the case) it is about.
//
// The reference is 32 bits: in a company with many violations two can
// share one, so a reference resolves to a set, and the console asks which
// one is meant when there are several.

// RefOf is the short reference of an action's idempotency key (message id
// + "/" + kind): the first four bytes of its SHA-256, in hex.
func RefOf(actionKey string) string {
	sum := sha256.Sum256([]byte(actionKey))
	return hex.EncodeToString(sum[:4])
}

// ViolationRefKinds are the kinds of the actions sent about a violation,
// whose references resolve to it. They are bot's action kinds (warning,
// owner alert, HR escalation, public notice); TestViolationRefKinds in bot
// keeps the two in step.
var ViolationRefKinds = []string{"warn_sender", "alert_owner", "escalate_hr", "group_notice"}

// refPattern is what a reference looks like, as typed (case is ignored).
var refPattern = regexp.MustCompile(`^[0-9a-f]{8}$`)

// NormalizeRef returns ref in the form RefOf writes it (lower-case hex,
// "记录" and brackets around it dropped), and whether it is one.
func NormalizeRef(ref string) (string, bool) {
	r := strings.TrimSpace(ref)
	r = strings.Trim(r, "（）() ")
	r = strings.TrimSpace(strings.TrimPrefix(r, "记录"))
	r = strings.ToLower(r)
	return r, refPattern.MatchString(r)
}

// RefMatch is one thing a reference names: the violation, the action kind
// that carried the reference, and the violation's case when it has one.
type RefMatch struct {
	Violation string    `json:"violation"`
	Kind      string    `json:"kind"`
	CaseID    string    `json:"case_id,omitempty"`
	Time      time.Time `json:"time"`
}

// indexRefs remembers the references of every action that can be sent
// about v, as long as v is kept. Each reference is its own key (a set of
// "kind|violation id"), so the writes are single-key and slot-safe;
// repeating them is harmless.
func (s *Store) indexRefs(ctx context.Context, v Violation, retention time.Duration) error {
	pipe := s.rdb.Pipeline()
	s.queueRefs(ctx, pipe, v, retention)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("index references of violation %s: %w", v.ID, err)
	}
	return nil
}

// queueRefs adds to p the single-key commands that index the references
// of v's warning, alerts and notices (spread keys: safe in any pipeline,
// on a cluster too).
func (s *Store) queueRefs(ctx context.Context, p redis.Pipeliner, v Violation, retention time.Duration) {
	for _, kind := range ViolationRefKinds {
		key := s.keyRef(RefOf(v.ID + "/" + kind))
		p.SAdd(ctx, key, kind+"|"+v.ID)
		p.Expire(ctx, key, retention)
	}
}

// refScan bounds the fallback search of ResolveRef through the newest
// violations (those stored before references were indexed).
const refScan = 20000

// ResolveRef returns what the reference ref names, newest first: nothing
// for a reference of no violation kept (or not a reference at all).
// Violations stored before references were indexed are found by hashing
// the newest refScan violation ids.
func (s *Store) ResolveRef(ctx context.Context, ref string) ([]RefMatch, error) {
	ref, ok := NormalizeRef(ref)
	if !ok {
		return nil, nil
	}
	members, err := s.rdb.SMembers(ctx, s.keyRef(ref)).Result()
	if err != nil {
		return nil, fmt.Errorf("resolve reference %s: %w", ref, err)
	}
	if len(members) == 0 {
		if members, err = s.scanRefs(ctx, ref); err != nil {
			return nil, err
		}
	}
	var out []RefMatch
	for _, m := range members {
		kind, vid, ok := strings.Cut(m, "|")
		if !ok {
			continue
		}
		v, found, err := s.Violation(ctx, vid)
		if err != nil {
			return nil, err
		}
		if !found {
			continue // expired since
		}
		out = append(out, RefMatch{Violation: vid, Kind: kind, CaseID: v.CaseID, Time: v.Time})
	}
	slices.SortFunc(out, func(a, b RefMatch) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return strings.Compare(a.Kind, b.Kind)
	})
	return out, nil
}

// scanRefs hashes the newest violation ids for ref, as "kind|id" members.
func (s *Store) scanRefs(ctx context.Context, ref string) ([]string, error) {
	ids, err := s.rdb.ZRevRange(ctx, s.keyViolationIndex(), 0, refScan-1).Result()
	if err != nil {
		return nil, fmt.Errorf("scan violations for reference %s: %w", ref, err)
	}
	var out []string
	for _, id := range ids {
		for _, kind := range ViolationRefKinds {
			if RefOf(id+"/"+kind) == ref {
				out = append(out, kind+"|"+id)
			}
		}
	}
	return out, nil
}
