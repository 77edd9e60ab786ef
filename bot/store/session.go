package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// session is what Redis keeps of a web console sign-in.
type session struct {
	Token APIToken `json:"token"`
	CSRF  string   `json:"csrf"`
	// Via is how the user signed in: "" with an API token (Token is that
	// token), SignInWeCom through WeCom (Token names the user and role
	// only, its ID is empty).
	Via string `json:"via,omitempty"`
}

// SignInWeCom marks a session signed in through WeCom (网页授权 or 扫码登录).
const SignInWeCom = "wecom"

// randomID returns n random bytes, URL-safe base64.
func randomID(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// CreateSession starts a web console session for tok that lives for ttl,
// but not past the token's expiry, and returns its id (for the cookie) and
// its CSRF secret (for the X-CSRF-Token header). Only the SHA-256 of the
// id is stored.
func (s *Store) CreateSession(ctx context.Context, tok APIToken, ttl time.Duration) (id, csrf string, err error) {
	if ttl <= 0 {
		return "", "", fmt.Errorf("create session for %s: ttl %v is not positive", tok.User, ttl)
	}
	if !tok.Expires.IsZero() {
		left := time.Until(tok.Expires)
		if left <= 0 {
			return "", "", fmt.Errorf("create session for %s: token %s expired at %s", tok.User, tok.ID, tok.Expires.Format(time.RFC3339))
		}
		ttl = min(ttl, left)
	}
	return s.createSession(ctx, session{Token: tok}, ttl)
}

// CreateMemberSession starts a web console session for a member who
// signed in through WeCom, with the role the sign-in gave them, for ttl.
// It is not tied to any API token; it ends with its ttl or DeleteSession.
func (s *Store) CreateMemberSession(ctx context.Context, user, role string, now time.Time, ttl time.Duration) (id, csrf string, err error) {
	if ttl <= 0 || user == "" || role == "" {
		return "", "", fmt.Errorf("create session for %q: user, role and a positive ttl are required", user)
	}
	return s.createSession(ctx, session{Token: APIToken{User: user, Role: role, Created: now}, Via: SignInWeCom}, ttl)
}

func (s *Store) createSession(ctx context.Context, sess session, ttl time.Duration) (id, csrf string, err error) {
	user := sess.Token.User
	if id, err = randomID(32); err != nil {
		return "", "", fmt.Errorf("create session for %s: random: %w", user, err)
	}
	if sess.CSRF, err = randomID(32); err != nil {
		return "", "", fmt.Errorf("create session for %s: random: %w", user, err)
	}
	data, err := json.Marshal(sess)
	if err != nil {
		return "", "", fmt.Errorf("create session for %s: %w", user, err)
	}
	if err := s.rdb.Set(ctx, s.keySession(hashToken(id)), data, ttl).Err(); err != nil {
		return "", "", fmt.Errorf("create session for %s: %w", user, err)
	}
	return id, sess.CSRF, nil
}

// Session returns the token and CSRF secret of session id; ok is false when
// the session is unknown or expired, or its token has been revoked or has
// expired since the sign-in: a session never outlives its token.
func (s *Store) Session(ctx context.Context, id string) (tok APIToken, csrf string, ok bool, err error) {
	if id == "" {
		return APIToken{}, "", false, nil
	}
	var sess session
	found, err := s.getJSON(ctx, s.keySession(hashToken(id)), &sess)
	if err != nil || !found {
		return APIToken{}, "", false, err
	}
	if sess.Via == SignInWeCom {
		return sess.Token, sess.CSRF, true, nil
	}
	if !sess.Token.Expires.IsZero() && !time.Now().Before(sess.Token.Expires) {
		return APIToken{}, "", false, nil
	}
	live, err := s.tokenLive(ctx, sess.Token.ID)
	if err != nil {
		return APIToken{}, "", false, fmt.Errorf("check token of session: %w", err)
	}
	if !live {
		return APIToken{}, "", false, nil
	}
	return sess.Token, sess.CSRF, true, nil
}

// SetSessionRole records that the member of WeCom session id has role now
// (the console found their role changed since sign-in), keeping the
// session's expiry; changed is false for an unknown or expired session, a
// token's session (its role is the token's) or the same role.
func (s *Store) SetSessionRole(ctx context.Context, id, role string) (changed bool, err error) {
	if id == "" || role == "" {
		return false, nil
	}
	key := s.keySession(hashToken(id))
	var sess session
	found, err := s.getJSON(ctx, key, &sess)
	if err != nil || !found || sess.Via != SignInWeCom || sess.Token.Role == role {
		return false, err
	}
	sess.Token.Role = role
	data, err := json.Marshal(sess)
	if err != nil {
		return false, fmt.Errorf("set session role: %w", err)
	}
	// XX: a session deleted (signed out) meanwhile stays deleted.
	res, err := s.rdb.SetArgs(ctx, key, data, redis.SetArgs{KeepTTL: true, Mode: "XX"}).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("set session role: %w", err)
	}
	return res == "OK", nil
}

// DeleteSession ends session id; ending an unknown session is not an error.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	if err := s.rdb.Del(ctx, s.keySession(hashToken(id))).Err(); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}
