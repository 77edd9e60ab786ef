package wecomtest

import (
	"math/rand/v2"
	"time"
)

// Faults makes a share of requests fail the way WeCom fails. Each share is a
// probability in [0, 1]; their sum should not exceed 1. The draws come from
// a PRNG seeded with Seed, so a test run is reproducible for a given order
// of requests.
type Faults struct {
	Seed uint64
	// Busy answers errcode -1 (system busy).
	Busy float64
	// RateLimit answers errcode 45009 (frequency limit).
	RateLimit float64
	// Concurrency answers errcode 45033 (concurrency limit).
	Concurrency float64
	// HTTP500 answers HTTP 500 with a non-JSON body.
	HTTP500 float64
	// LostReply processes the request (a message is delivered) and then
	// answers HTTP 502, as when a reply is lost on its way back.
	LostReply float64
	// Refused answers errcode Errcode (a refusal the caller must not
	// retry, e.g. 40058 invalid parameter).
	Refused float64
	Errcode int
	// Times, when positive, ends the faults after that many: a request
	// fails Times times, then succeeds.
	Times int
	// Latency is added before every answer (cut short if the caller gives up).
	Latency time.Duration
	// APIs limits the faults to these API… names; empty means every endpoint.
	APIs []string
}

type faultKind int

const (
	faultNone faultKind = iota
	faultBusy
	faultRateLimit
	faultConcurrency
	faultHTTP500
	faultLostReply
	faultRefused
)

type faultState struct {
	f   Faults
	rng *rand.Rand
	n   int // faults injected so far
}

type drawn struct {
	kind    faultKind
	latency time.Duration
}

// SetFaults replaces the injected faults; the zero Faults turns them off.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = faultState{f: f, rng: rand.New(rand.NewPCG(f.Seed, f.Seed^0x9e3779b97f4a7c15))}
}

// drawFaultFor decides the fault, if any, for one request of api.
func (s *Server) drawFaultFor(api string) drawn {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.faults
	if st.rng == nil {
		return drawn{}
	}
	if len(st.f.APIs) > 0 {
		found := false
		for _, a := range st.f.APIs {
			if a == api {
				found = true
				break
			}
		}
		if !found {
			return drawn{}
		}
	}
	if st.f.Times > 0 && st.n >= st.f.Times {
		return drawn{}
	}
	d := drawn{latency: st.f.Latency}
	x := st.rng.Float64()
	for _, c := range []struct {
		share float64
		kind  faultKind
	}{
		{st.f.Busy, faultBusy},
		{st.f.RateLimit, faultRateLimit},
		{st.f.Concurrency, faultConcurrency},
		{st.f.HTTP500, faultHTTP500},
		{st.f.LostReply, faultLostReply},
		{st.f.Refused, faultRefused},
	} {
		if x < c.share {
			d.kind = c.kind
			st.n++
			return d
		}
		x -= c.share
	}
	return d
}

// refusedCode is the errcode of a Refused fault (default 40058).
func (s *Server) refusedCode() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.faults.f.Errcode; c != 0 {
		return c
	}
	return CodeInvalidParameter
}
