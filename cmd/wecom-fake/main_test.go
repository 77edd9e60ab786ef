package main

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
