package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
)

// TestPlanMarksCommand: `planmarks on|off|status` turns the switch the
// record path reads (store.PlanMarks) on and off and says which it is.
func TestPlanMarksCommand(t *testing.T) {
	if os.Getenv("REDIS_URL") == "" {
		t.Skip("the switch lives in the Redis shared with `serve`: set REDIS_URL")
	}
	st := storetest.New(t)
	t.Setenv("REDIS_PREFIX", st.Prefix())
	ctx := context.Background()
	for _, step := range []struct {
		args []string
		on   bool
	}{
		{[]string{"planmarks", "status"}, false},
		{[]string{"planmarks", "on"}, true},
		{[]string{"planmarks", "status"}, true},
		{[]string{"planmarks", "off"}, false},
		{[]string{"planmarks", "status"}, false},
	} {
		var out, errOut bytes.Buffer
		if err := run(ctx, step.args, nil, &out, &errOut); err != nil {
			t.Fatalf("%v: %v", step.args, err)
		}
		want := "plan marks: off"
		if step.on {
			want = "plan marks: on"
		}
		if !strings.HasPrefix(out.String(), want) {
			t.Errorf("%v printed %q, want %q…", step.args, out.String(), want)
		}
		if on, err := st.PlanMarks(ctx); err != nil || on != step.on {
			t.Errorf("after %v the store says plan marks %v, %v; want %v", step.args, on, err, step.on)
		}
	}
}
