package handover

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// CustomerClient is externalcontact/get (*wecom.Client).
type CustomerClient interface {
	Customer(ctx context.Context, externalUserID string) (wecom.Customer, error)
}

// NameCache is where customers' names are cached (*store.Store).
type NameCache interface {
	CacheGetMany(ctx context.Context, keys []string) ([][]byte, error)
	CacheSet(ctx context.Context, key string, v any, ttl time.Duration) error
}

var _ CustomerClient = (*wecom.Client)(nil)

// Names looks customers' names up in WeCom (externalcontact/get), cached.
type Names struct {
	Client CustomerClient
	Cache  NameCache
	Logger zerolog.Logger
	// TTL is how long a name is cached (default 24 h); WithheldTTL how
	// long WeCom's refusal to name a customer is (default 1 h).
	TTL, WithheldTTL time.Duration
	// MaxLookups bounds the WeCom calls of one Lookup (default 50): a page
	// of 250 customers is named over a few views, as the cache fills.
	MaxLookups int
	// Workers is how many calls run at once (default 4).
	Workers int
}

// cachedCustomer is a name in the cache; Withheld records that WeCom
// refused to name the customer (84061, 40096, 48002, …).
type cachedCustomer struct {
	wecom.Customer
	Withheld bool `json:"withheld,omitempty"`
}

func customerKey(id string) string { return "customer:" + id }

// Lookup returns the customers of ids that WeCom names: one cache read for
// all of them, then WeCom for the misses (at most MaxLookups, Workers at a
// time). A customer WeCom withholds, or one not looked up yet, is absent:
// the console shows 客户 and the masked id. Errors are logged, never
// returned: names are a convenience of the view.
func (n *Names) Lookup(ctx context.Context, ids []string) map[string]wecom.Customer {
	out := map[string]wecom.Customer{}
	if n == nil || len(ids) == 0 {
		return out
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = customerKey(id)
	}
	cached, err := n.Cache.CacheGetMany(ctx, keys)
	if err != nil {
		n.Logger.Warn().Err(err).Msg("customer names: cache unreadable")
		cached = make([][]byte, len(ids))
	}
	var misses []string
	for i, id := range ids {
		var c cachedCustomer
		if cached[i] == nil || json.Unmarshal(cached[i], &c) != nil {
			misses = append(misses, id)
			continue
		}
		if !c.Withheld && c.Name != "" {
			out[id] = c.Customer
		}
	}
	maxLookups, workers := n.MaxLookups, n.Workers
	if maxLookups <= 0 {
		maxLookups = 50
	}
	if workers <= 0 {
		workers = 4
	}
	ttl, withheldTTL := n.TTL, n.WithheldTTL
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	if withheldTTL <= 0 {
		withheldTTL = time.Hour
	}
	misses = misses[:min(len(misses), maxLookups)]
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		sem = make(chan struct{}, workers)
	)
	for _, id := range misses {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			c, err := n.Client.Customer(ctx, id)
			entry := cachedCustomer{Customer: c}
			life := ttl
			switch {
			case err == nil && c.Name == "":
				entry.Withheld, life = true, withheldTTL
			case err == nil:
				mu.Lock()
				out[id] = c
				mu.Unlock()
			case withheld(err):
				entry, life = cachedCustomer{Customer: wecom.Customer{ExternalUserID: id}, Withheld: true}, withheldTTL
			default:
				n.Logger.Warn().Err(err).Msg("customer names: WeCom lookup failed; shown as 客户 for now")
				return // not cached: asked again next time
			}
			if err := n.Cache.CacheSet(ctx, customerKey(id), entry, life); err != nil {
				n.Logger.Warn().Err(err).Msg("customer names: cache not written")
			}
		}()
	}
	wg.Wait()
	return out
}

// withheld reports whether WeCom refused to name a customer for good (an
// errcode, not an outage).
func withheld(err error) bool {
	_, ok := errors.AsType[*wecom.APIError](err)
	return ok && wecom.Permanent(err)
}

// CustomerNames names the customers of ids (Config.Names; none when unset).
func (s *Service) CustomerNames(ctx context.Context, ids []string) map[string]wecom.Customer {
	return s.cfg.Names.Lookup(ctx, ids)
}
