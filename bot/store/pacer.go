package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// Pacer is the WeCom client's guard against WeCom's silent per-member
// limits (30 messages a minute, 1000 an hour from one app to one member),
// shared by every replica through Redis. It implements wecom.Pacer.
type Pacer struct{ s *Store }

var _ wecom.Pacer = Pacer{}

// Pacer returns the shared pacer on this store.
func (s *Store) Pacer() Pacer { return Pacer{s} }

// Admit records one message to each member if all have room, and otherwise
// records nothing and says how long to wait.
func (p Pacer) Admit(ctx context.Context, members []string, now time.Time) (bool, time.Duration, error) {
	if len(members) == 0 {
		return true, 0, nil
	}
	keys := make([]string, len(members))
	for i, m := range members {
		keys[i] = p.s.keyMemberPace(strings.ToLower(m))
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return false, 0, fmt.Errorf("pace: random: %w", err)
	}
	ms, err := takeSlotScript.Run(ctx, p.s.rdb, keys, now.UnixMilli(), wecom.MemberPerMinute, wecom.MemberPerHour, hex.EncodeToString(b[:])).Int64()
	if err != nil {
		return false, 0, fmt.Errorf("pace %d members: %w", len(members), err)
	}
	return ms == 0, time.Duration(ms) * time.Millisecond, nil
}
