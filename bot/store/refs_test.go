package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
)

func TestNormalizeRef(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"1d991024", "1d991024", true},
		{" 1D991024 ", "1d991024", true},
		{"（记录 1d991024）", "1d991024", true},
		{"记录1d991024", "1d991024", true},
		{"(1d991024)", "1d991024", true},
		{"1d99102", "1d99102", false},
		{"1d9910245", "1d9910245", false},
		{"zz991024", "zz991024", false},
		{"", "", false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := store.NormalizeRef(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("NormalizeRef(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// Every reference that can be sent about a violation resolves to it (and
// its case), and a reference of nothing resolves to nothing.
func TestResolveRef(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	now := time.Now().Truncate(time.Millisecond)
	v := store.Violation{ID: "msg:ref1", Time: now, From: "zhangsan", ChatID: "wrwork", ChatKind: "work", Severity: "high", Action: "escalate_hr", CaseID: "C-1"}
	older := store.Violation{ID: "msg:ref0", Time: now.Add(-time.Hour), From: "lisi", ChatKind: "work", Severity: "low", Action: "warn"}
	for _, x := range []store.Violation{v, older} {
		if err := s.SaveViolation(ctx, x, 48*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	for _, kind := range store.ViolationRefKinds {
		ref := store.RefOf(v.ID + "/" + kind)
		got, err := s.ResolveRef(ctx, "（记录 "+ref+"）")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Violation != v.ID || got[0].Kind != kind || got[0].CaseID != "C-1" || !got[0].Time.Equal(now) {
			t.Errorf("ResolveRef(%s of %s) = %+v, want the violation and its case", ref, kind, got)
		}
	}
	if got, err := s.ResolveRef(ctx, "00000000"); err != nil || len(got) != 0 {
		t.Errorf("ResolveRef of nothing = %+v, %v", got, err)
	}
	if got, err := s.ResolveRef(ctx, "not a ref"); err != nil || len(got) != 0 {
		t.Errorf("ResolveRef of a non-reference = %+v, %v", got, err)
	}
}
