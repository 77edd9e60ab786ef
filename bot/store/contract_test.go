package store_test

import (
	"testing"

	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest/contract"
)

// The Redis implementations pass the same behaviour tests as the client's
// in-memory ones.
func TestTokenStoreContract(t *testing.T) {
	contract.TokenStore(t, func(t *testing.T) wecom.TokenStore { return storetest.New(t) })
}

func TestPacerContract(t *testing.T) {
	contract.Pacer(t, func(t *testing.T) wecom.Pacer { return storetest.New(t).Pacer() })
}

func TestAccessTokensContract(t *testing.T) {
	contract.TokenStore(t, func(t *testing.T) wecom.TokenStore {
		a, err := storetest.New(t).AccessTokens("app-secret")
		if err != nil {
			t.Fatal(err)
		}
		return a
	})
}
