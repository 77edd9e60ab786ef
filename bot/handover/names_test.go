package handover_test

import (
	"context"
	"testing"

	"github.com/wecom-guard/wecom-guard/bot/handover"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
)

func TestCustomerNamesCachedAndWithheld(t *testing.T) {
	ctx := context.Background()
	fake := wecomtest.New(wecomtest.Config{CorpID: "wwcorp", Secret: "s", AgentID: 1000002})
	t.Cleanup(fake.Close)
	c, err := wecom.NewClient(wecom.ClientConfig{BaseURL: fake.URL(), CorpID: "wwcorp", Secret: "s", AgentID: 1000002, Tokens: &wecom.MemoryTokenStore{}})
	if err != nil {
		t.Fatal(err)
	}
	fake.SetCustomer(wecomtest.Customer{ExternalUserID: "wmA", Name: "王小明", Type: wecom.CustomerWeCom, CorpName: "华东贸易"})
	fake.SetCustomer(wecomtest.Customer{ExternalUserID: "wmB"}) // WeCom gives no name
	names := &handover.Names{Client: c, Cache: storetest.New(t), MaxLookups: 3}
	gets := func() int { return fake.Calls(wecomtest.APICustomerGet) }

	got := names.Lookup(ctx, []string{"wmA", "wmB", "wmC"}) // wmC: 84061
	if len(got) != 1 || got["wmA"].Name != "王小明" || got["wmA"].CorpName != "华东贸易" || gets() != 3 {
		t.Fatalf("Lookup = %+v after %d calls; want wmA named, the others withheld", got, gets())
	}
	// The cache answers, for the named and the withheld alike.
	if got := names.Lookup(ctx, []string{"wmA", "wmB", "wmC"}); len(got) != 1 || gets() != 3 {
		t.Errorf("second Lookup = %+v after %d calls; want the cache to answer", got, gets())
	}
	// At most MaxLookups calls a Lookup: the rest are named on a later view.
	fresh := []string{"wm1", "wm2", "wm3", "wm4", "wm5"}
	for _, id := range fresh {
		fake.SetCustomer(wecomtest.Customer{ExternalUserID: id, Name: "客户" + id})
	}
	if got := names.Lookup(ctx, fresh); len(got) != 3 || gets() != 6 {
		t.Errorf("Lookup of 5 new = %d named after %d calls; want 3 calls", len(got), gets())
	}
	if got := names.Lookup(ctx, fresh); len(got) != 5 || gets() != 8 {
		t.Errorf("the next Lookup = %d named after %d calls; want all 5 after 2 more", len(got), gets())
	}
	// An outage is not cached: asked again next time.
	fake.SetCustomer(wecomtest.Customer{ExternalUserID: "wmD", Name: "赵六"})
	fake.SetFaults(wecomtest.Faults{HTTP500: 1, APIs: []string{wecomtest.APICustomerGet}})
	if got := names.Lookup(ctx, []string{"wmD"}); len(got) != 0 {
		t.Errorf("during an outage: %+v", got)
	}
	fake.SetFaults(wecomtest.Faults{})
	if got := names.Lookup(ctx, []string{"wmD"}); got["wmD"].Name != "赵六" {
		t.Errorf("after the outage: %+v; want the name", got)
	}
}
