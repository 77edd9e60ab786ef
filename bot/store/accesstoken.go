package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// AccessTokens is the WeCom access-token cache shared by every replica,
// sealed: Redis holds each token encrypted (AES-256-GCM) with a key derived
// from the app's secret (HKDF-SHA256), so a copy of Redis, a backup or a
// MONITOR log does not hand out a token that acts as the app. Replicas
// configured with the same secret read each other's tokens; a token sealed
// with another secret, or stored in plain text by an earlier version, reads
// as absent, and the client fetches and seals a fresh one. It implements
// wecom.TokenStore.
type AccessTokens struct {
	s    *Store
	aead cipher.AEAD
}

var _ wecom.TokenStore = (*AccessTokens)(nil)

// sealedPrefix marks a sealed token value (and its format version).
const sealedPrefix = "wgtok1:"

// AccessTokens returns the sealed access-token cache for the app whose
// secret this is.
func (s *Store) AccessTokens(secret string) (*AccessTokens, error) {
	if secret == "" {
		return nil, errors.New("access token cache: the app secret is empty")
	}
	key, err := hkdf.Key(sha256.New, []byte(secret), []byte("wecom-guard access token"), "aes-256-gcm v1", 32)
	if err != nil {
		return nil, fmt.Errorf("access token cache: derive key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("access token cache: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("access token cache: %w", err)
	}
	return &AccessTokens{s: s, aead: aead}, nil
}

// seal encrypts token for the Redis key k; the key name is the additional
// data, so a sealed value copied under another app's key does not open.
func (a *AccessTokens) seal(k, token string) (string, error) {
	nonce := make([]byte, a.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal token: random: %w", err)
	}
	out := a.aead.Seal(nonce, nonce, []byte(token), []byte(k))
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// open decrypts a sealed value of key k; ok is false for anything that is
// not a value sealed for k with this secret.
func (a *AccessTokens) open(k, sealed string) (string, bool) {
	rest, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		return "", false
	}
	raw, err := base64.RawStdEncoding.DecodeString(rest)
	n := a.aead.NonceSize()
	if err != nil || len(raw) < n {
		return "", false
	}
	plain, err := a.aead.Open(nil, raw[:n], raw[n:], []byte(k))
	if err != nil {
		return "", false
	}
	return string(plain), true
}

// GetToken returns the cached access token named key; ok is false when
// none is cached or it does not open with this secret.
func (a *AccessTokens) GetToken(ctx context.Context, key string) (string, bool, error) {
	k := a.s.keyToken(key)
	sealed, err := a.s.rdb.Get(ctx, k).Result()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("get token %q: %w", k, err)
	}
	token, ok := a.open(k, sealed)
	return token, ok, nil
}

// SetToken caches token, sealed, under key for ttl.
func (a *AccessTokens) SetToken(ctx context.Context, key, token string, ttl time.Duration) error {
	k := a.s.keyToken(key)
	sealed, err := a.seal(k, token)
	if err != nil {
		return err
	}
	if err := a.s.rdb.Set(ctx, k, sealed, ttl).Err(); err != nil {
		return fmt.Errorf("set token %q: %w", k, err)
	}
	return nil
}

// DeleteToken drops the cached token under key if it is still token: the
// sealed value read is the one compared, so a fresher token another
// replica stored meanwhile stays.
func (a *AccessTokens) DeleteToken(ctx context.Context, key, token string) error {
	k := a.s.keyToken(key)
	sealed, err := a.s.rdb.Get(ctx, k).Result()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete token %q: %w", k, err)
	}
	if cur, ok := a.open(k, sealed); ok && cur != token {
		return nil
	}
	// Equal, or unreadable (another secret, an earlier plain value): gone.
	if err := compareAndDelete.Run(ctx, a.s.rdb, []string{k}, sealed).Err(); err != nil {
		return fmt.Errorf("delete token %q: %w", k, err)
	}
	return nil
}

// Lock takes the refresh lock of key; see Store.Lock.
func (a *AccessTokens) Lock(ctx context.Context, key string, ttl time.Duration) (func(), bool, error) {
	return a.s.Lock(ctx, key, ttl)
}
