package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// APIToken is an admin API credential. Only the SHA-256 of the secret is
// stored; the secret is shown once, when it is created.
type APIToken struct {
	ID      string    `json:"id"`
	User    string    `json:"user"`
	Role    string    `json:"role"`
	Created time.Time `json:"created"`
	// Expires is when an expiring token stops working (zero: never).
	Expires time.Time `json:"expires,omitzero"`
	// LastUsed is when the token last authenticated a request (zero:
	// never); filled by Tokens, not stored with the token.
	LastUsed time.Time `json:"last_used,omitzero"`
}

// tokenPrefix marks wecom-guard tokens so they are recognisable in a leak scan.
const tokenPrefix = "wgt_"

func hashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken makes a new token for user with role and returns it with its
// secret, which is not stored and cannot be shown again.
func (s *Store) CreateToken(ctx context.Context, user, role string, now time.Time) (APIToken, string, error) {
	return s.CreateExpiringToken(ctx, user, role, now, 0)
}

// CreateExpiringToken is CreateToken for a token that stops working after
// ttl (0: never).
func (s *Store) CreateExpiringToken(ctx context.Context, user, role string, now time.Time, ttl time.Duration) (APIToken, string, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return APIToken{}, "", fmt.Errorf("create token: random: %w", err)
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	t := APIToken{ID: hashToken(secret)[:12], User: user, Role: role, Created: now}
	if ttl > 0 {
		t.Expires = now.Add(ttl)
	}
	data, err := json.Marshal(t)
	if err != nil {
		return APIToken{}, "", fmt.Errorf("create token: %w", err)
	}
	pipe := s.rdb.TxPipeline()
	pipe.Set(ctx, s.keyTokenHash(hashToken(secret)), data, ttl)
	pipe.HSet(ctx, s.keyTokens(), t.ID, hashToken(secret))
	if _, err := pipe.Exec(ctx); err != nil {
		return APIToken{}, "", fmt.Errorf("create token for %s: %w", user, err)
	}
	return t, secret, nil
}

// LookupToken returns the token whose secret this is; ok is false for an
// unknown or revoked secret.
func (s *Store) LookupToken(ctx context.Context, secret string) (APIToken, bool, error) {
	var t APIToken
	ok, err := s.getJSON(ctx, s.keyTokenHash(hashToken(secret)), &t)
	return t, ok, err
}

// Tokens lists every live token (never their secrets) with its last use.
// A listed token whose record is gone — it expired — leaves the listing here.
func (s *Store) Tokens(ctx context.Context) ([]APIToken, error) {
	hashes, err := s.rdb.HGetAll(ctx, s.keyTokens()).Result()
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	used, err := s.tokenUses(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]APIToken, 0, len(hashes))
	for id, h := range hashes {
		var t APIToken
		ok, err := s.getJSON(ctx, s.keyTokenHash(h), &t)
		if err != nil {
			return nil, err
		}
		if !ok {
			if err := s.forgetToken(ctx, id); err != nil {
				return nil, err
			}
			continue
		}
		t.LastUsed = used[id]
		out = append(out, t)
	}
	return out, nil
}

// tokenLive reports whether token id is listed and its record still
// exists: neither revoked nor expired. An expired one leaves the listing.
func (s *Store) tokenLive(ctx context.Context, id string) (bool, error) {
	h, err := s.rdb.HGet(ctx, s.keyTokens(), id).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check token %s: %w", id, err)
	}
	n, err := s.rdb.Exists(ctx, s.keyTokenHash(h)).Result()
	if err != nil {
		return false, fmt.Errorf("check token %s: %w", id, err)
	}
	if n == 0 {
		return false, s.forgetToken(ctx, id)
	}
	return true, nil
}

// forgetToken drops an expired token from the listing.
func (s *Store) forgetToken(ctx context.Context, id string) error {
	pipe := s.rdb.TxPipeline()
	pipe.HDel(ctx, s.keyTokens(), id)
	pipe.HDel(ctx, s.keyTokenUse(), id)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("drop expired token %s from the listing: %w", id, err)
	}
	return nil
}

// RevokeToken deletes token id; ok is false when there is none.
func (s *Store) RevokeToken(ctx context.Context, id string) (bool, error) {
	h, err := s.rdb.HGet(ctx, s.keyTokens(), id).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("revoke token %s: %w", id, err)
	}
	pipe := s.rdb.TxPipeline()
	pipe.Del(ctx, s.keyTokenHash(h))
	pipe.HDel(ctx, s.keyTokens(), id)
	pipe.HDel(ctx, s.keyTokenUse(), id)
	if _, err := pipe.Exec(ctx); err != nil {
		return false, fmt.Errorf("revoke token %s: %w", id, err)
	}
	return true, nil
}

// AuditEntry is one line of the admin audit log: who did what, when, and
// for changes the state before and after.
type AuditEntry struct {
	ID     string          `json:"id"`
	Time   time.Time       `json:"time"`
	User   string          `json:"user"`
	Role   string          `json:"role"`
	Action string          `json:"action"` // e.g. "outbox.retry", "violation.view_raw"
	Target string          `json:"target,omitempty"`
	Before json.RawMessage `json:"before,omitempty"`
	After  json.RawMessage `json:"after,omitempty"`
}

// Audit appends e to the audit log. The log is a stream: entries are only
// ever added, never changed.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode audit entry: %w", err)
	}
	if err := s.rdb.XAdd(ctx, &redis.XAddArgs{Stream: s.keyAudit(), Values: []any{"e", data}}).Err(); err != nil {
		return fmt.Errorf("append audit entry: %w", err)
	}
	return nil
}

// AuditLog returns up to count audit entries, newest first, older than
// before (a stream id; "" for the newest).
func (s *Store) AuditLog(ctx context.Context, count int, before string) ([]AuditEntry, error) {
	end := "+"
	if before != "" {
		end = "(" + before
	}
	msgs, err := s.rdb.XRevRangeN(ctx, s.keyAudit(), end, "-", int64(count)).Result()
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	out := make([]AuditEntry, 0, len(msgs))
	for _, m := range msgs {
		var e AuditEntry
		raw, _ := m.Values["e"].(string)
		if err := json.Unmarshal([]byte(raw), &e); err != nil {
			return nil, fmt.Errorf("decode audit entry %s: %w", m.ID, err)
		}
		e.ID = m.ID
		out = append(out, e)
	}
	return out, nil
}
