package handlers

import (
	"strconv"
	"testing"
	"time"
)

// TestSignInLimiterIsBounded: many clients keep at most Clients buckets;
// a new client starts with a full bucket.
func TestSignInLimiterIsBounded(t *testing.T) {
	l, err := newSignInLimiter(SignInRate{PerMinute: 1, Burst: 1, Clients: 100})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i := range 10000 {
		l.allow("10.0."+strconv.Itoa(i/256)+"."+strconv.Itoa(i%256), now)
	}
	if n := l.clients.Len(); n != 100 {
		t.Errorf("%d buckets after 10,000 clients, want the bound of 100", n)
	}
	if !l.allow("192.0.2.1", now) || l.allow("192.0.2.1", now) {
		t.Error("a new client: want its first request allowed and the second refused")
	}
	if _, err := newSignInLimiter(SignInRate{PerMinute: 1}); err == nil {
		t.Error("a limit without burst and clients was accepted")
	}
}
