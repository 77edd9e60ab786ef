package bot

import (
	"slices"
	"testing"

	"github.com/wecom-guard/wecom-guard/bot/store"
)

// The references the console resolves (store.RefOf over
// store.ViolationRefKinds) are the ones the warnings and alerts print.
func TestViolationRefKinds(t *testing.T) {
	kinds := []string{string(ActWarnSender), string(ActAlertOwner), string(ActEscalateHR), string(ActGroupNotice)}
	if !slices.Equal(kinds, store.ViolationRefKinds) {
		t.Fatalf("store.ViolationRefKinds = %v, want the kinds of actions about a violation %v", store.ViolationRefKinds, kinds)
	}
	a := Action{MsgID: "msg:1"}
	for _, k := range kinds {
		b := a.as(ActionKind(k))
		if got, want := b.ref(), store.RefOf("msg:1/"+k); got != want {
			t.Errorf("%s: the message prints %s, the console resolves %s", k, got, want)
		}
	}
}
