package wecom_test

import (
	"context"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest/contract"
)

func TestMemoryTokenStoreContract(t *testing.T) {
	contract.TokenStore(t, func(*testing.T) wecom.TokenStore { return &wecom.MemoryTokenStore{} })
}

func TestMemoryTokenStoreExpiry(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	s := &wecom.MemoryTokenStore{Now: func() time.Time { return now }}
	ctx := context.Background()
	if err := s.SetToken(ctx, "k", "T", time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, held, _ := s.Lock(ctx, "k", time.Minute); !held {
		t.Fatal("Lock refused on a free key")
	}
	tests := []struct {
		name      string
		at        time.Duration
		wantToken bool
		wantLock  bool
	}{
		{"within ttl", 59 * time.Second, true, false},
		{"at ttl", time.Minute, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC).Add(tc.at)
			if _, ok, _ := s.GetToken(ctx, "k"); ok != tc.wantToken {
				t.Fatalf("token present %v, want %v", ok, tc.wantToken)
			}
			if _, ok, _ := s.Lock(ctx, "k", time.Minute); ok != tc.wantLock {
				t.Fatalf("lock taken %v, want %v (a crashed holder's lock expires)", ok, tc.wantLock)
			}
		})
	}
}
