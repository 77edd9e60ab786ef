package main

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"defaults", nil, ""},
		{"chaos", []string{"-faults", "0.3", "-members", "20", "-leaders", "4"}, ""},
		{"faults above 1", []string{"-faults", "1.5"}, "-faults"},
		{"negative faults", []string{"-faults", "-0.1"}, "-faults"},
		{"negative members", []string{"-members", "-1"}, "-members"},
		{"negative latency", []string{"-latency", "-1s"}, "-latency"},
		{"leavers", []string{"-leavers", "2"}, ""},
		{"negative leavers", []string{"-leavers", "-1"}, "-leavers"},
		{"not a number", []string{"-members", "x"}, "invalid value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(tc.args)
			if (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("parse(%q) = %v, want error containing %q", tc.args, err, tc.wantErr)
			}
		})
	}
}

func TestFaultMixSumsToShare(t *testing.T) {
	for _, share := range []float64{0, 0.1, 0.3, 1} {
		f := faultMix(share, 1, 0)
		if sum := f.Busy + f.RateLimit + f.Concurrency + f.HTTP500 + f.LostReply; math.Abs(sum-share) > 1e-9 {
			t.Errorf("faultMix(%v) sums to %v", share, sum)
		}
	}
}

func TestRecord(t *testing.T) {
	fake := wecomtest.NewHandler(wecomtest.Config{CorpID: "c", Secret: "s", AgentID: 1})
	srv := httptest.NewServer(routes(fake))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/cgi-bin/gettoken?corpid=c&corpsecret=s")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = http.Get(srv.URL + "/fake/record")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rec Record
	if err := json.NewDecoder(resp.Body).Decode(&rec); err != nil || rec.Calls[wecomtest.APIGetToken] != 1 {
		t.Fatalf("record %+v, %v; want one gettoken call", rec, err)
	}
}

// TestSeedLeavers: the seeded leavers are what the handover reads, and
// the customers' names what externalcontact/get answers.
func TestSeedLeavers(t *testing.T) {
	fake := wecomtest.NewHandler(wecomtest.Config{CorpID: "c", Secret: "s", AgentID: 1})
	seedLeavers(fake, 2, time.Now().Add(-time.Hour))
	srv := httptest.NewServer(routes(fake))
	defer srv.Close()
	c, err := wecom.NewClient(wecom.ClientConfig{BaseURL: srv.URL, CorpID: "c", Secret: "s", AgentID: 1, Tokens: &wecom.MemoryTokenStore{}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	list, _, err := c.UnassignedList(ctx, "")
	if err != nil || len(list) != 6 {
		t.Fatalf("unassigned list %+v, %v; want 3 customers of each of 2 leavers", list, err)
	}
	if cu, err := c.Customer(ctx, "wmleaver01Customer01"); err != nil || cu.Name != "客户01-1" || cu.CorpName != "华东贸易" {
		t.Errorf("customer %+v, %v", cu, err)
	}
	if _, err := c.Customer(ctx, "wmleaver01Customer02"); !wecom.Permanent(err) {
		t.Errorf("the withheld customer: %v; want WeCom's refusal", err)
	}
}
