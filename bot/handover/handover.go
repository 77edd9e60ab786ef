// Package handover hands a leaver's customers and customer groups to a
// successor (离职继承) through WeCom's resigned-transfer API, and follows
// each customer until WeCom reports the outcome.
//
// WeCom lists a leaver's customers as unassigned (get_unassigned_list) and
// the leaver's customer groups as 离职待继承 (groupchat/list). HR picks a
// successor in the console, or the policy's default for the leaver's
// department does; the worker (on the one replica holding a lease) calls
// resigned/transfer_customer (at most 100 a call) and groupchat/transfer,
// polls resigned/transfer_result, and keeps per customer: 等待分配,
// 排队中, 等待接替 (the customer has 24 h to refuse), 已接替, 客户拒绝,
// 失败（原因）. Each leaver's handover is one document in Redis changed
// atomically. The transfers travel through the outbox (bot/outcall): the
// worker claims queued items (queued → sending, under the call's key) and
// queues one call for them; the sender makes it with its retries, backoff
// and dead letters, and only items still sending under that key are sent,
// so no customer is transferred twice. HR is reminded of what is still
// open after WeCom's 24 h acceptance window, by a notice queued in the
// outbox too.
package handover

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot/outcall"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// Client is the part of the WeCom API the handover calls (*wecom.Client).
type Client interface {
	UnassignedList(ctx context.Context, cursor string) ([]wecom.Unassigned, string, error)
	GroupChatsOf(ctx context.Context, owners []string, status int, cursor string) ([]wecom.GroupChatInfo, string, error)
	TransferResigned(ctx context.Context, handover, takeover string, customers []string) ([]wecom.TransferResult, error)
	TransferResultPage(ctx context.Context, handover, takeover, cursor string) ([]wecom.TransferStatus, string, error)
	TransferGroupChats(ctx context.Context, chatIDs []string, newOwner string) ([]wecom.GroupTransferFailure, error)
	ExternalGroupChatOwner(ctx context.Context, chatID string) (string, error)
}

var _ Client = (*wecom.Client)(nil)

// Store is where handovers live (*store.Store).
type Store interface {
	Handover(ctx context.Context, leaver string) ([]byte, bool, error)
	UpdateHandover(ctx context.Context, leaver string, change func(old []byte) ([]byte, bool, error)) error
	OpenHandovers(ctx context.Context) ([]string, error)
	TryLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	// Audit records each transfer WeCom answered, and each the outbox
	// gave up, in the audit log (by 系统).
	Audit(ctx context.Context, e store.AuditEntry) error
	outcall.Outbox
}

// Item states.
const (
	StateUnassigned = "unassigned" // 等待分配: no successor chosen
	StateQueued     = "queued"     // 排队中: to be sent to WeCom
	StateSending    = "sending"    // 排队中: a transfer call is under way
	StateWaiting    = "waiting"    // 等待接替: the customer may still refuse
	StateTaken      = "taken"      // 已接替
	StateRefused    = "refused"    // 客户拒绝
	StateFailed     = "failed"     // 失败（原因）
)

// Kinds of items.
const (
	KindCustomer = "customer"
	KindGroup    = "group"
)

// Item is one customer or customer group of a leaver.
type Item struct {
	Kind     string `json:"kind"`
	ID       string `json:"id"` // external_userid or chat_id
	Takeover string `json:"takeover,omitempty"`
	State    string `json:"state"`
	ErrCode  int    `json:"errcode,omitempty"`
	// Reason says in Chinese why a transfer failed.
	Reason string `json:"reason,omitempty"`
	// Call is the outbox key of the transfer a sending item is in.
	Call string `json:"call,omitempty"`
	// Attempts counts the outbox's failed tries of the item's transfer,
	// NextTry when it tries again.
	Attempts int       `json:"attempts,omitempty"`
	NextTry  time.Time `json:"next_try,omitzero"`
	Queued   time.Time `json:"queued,omitzero"`
	Sent     time.Time `json:"sent,omitzero"`
	Done     time.Time `json:"done,omitzero"`
}

// Handover is one leaver's handover.
type Handover struct {
	Leaver      string    `json:"leaver"`
	Left        time.Time `json:"left,omitzero"`
	Departments []int64   `json:"departments,omitempty"`
	// Takeover is the successor last chosen, by ChosenBy ("default" for a
	// department's default).
	Takeover string           `json:"takeover,omitempty"`
	ChosenBy string           `json:"chosen_by,omitempty"`
	ChosenAt time.Time        `json:"chosen_at,omitzero"`
	Items    map[string]*Item `json:"items"` // kind:id → item
	// Reminded is when HR was last reminded of open items.
	Reminded time.Time `json:"reminded,omitzero"`
	// Calls numbers the transfers queued, for their outbox keys.
	Calls int `json:"calls,omitempty"`
}

// Open reports whether anything of the handover is not finished.
func (h *Handover) Open() bool {
	for _, it := range h.Items {
		if it.State != StateTaken {
			return true
		}
	}
	return false
}

// Sorted returns the items customers first, each kind by id.
func (h *Handover) Sorted() []*Item {
	out := make([]*Item, 0, len(h.Items))
	for _, it := range h.Items {
		out = append(out, it)
	}
	slices.SortFunc(out, func(a, b *Item) int {
		if a.Kind != b.Kind {
			if a.Kind == KindCustomer {
				return -1
			}
			return 1
		}
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out
}

func itemKey(kind, id string) string { return kind + ":" + id }

// ErrInvalid is returned for a request HR must correct (no successor, the
// leaver as successor, an unknown item).
var ErrInvalid = errors.New("invalid handover request")

// ErrNotFound is returned for a leaver without a handover.
var ErrNotFound = errors.New("no handover for this member")

// Config holds a Service's dependencies.
type Config struct {
	Client Client
	Store  Store
	Logger zerolog.Logger
	// Defaults maps a department id to its default successor: a leaver of
	// the department is handed over without waiting for HR.
	Defaults map[int64]string
	// Remind turns on HR's reminders of what is open after the acceptance
	// window: queued in the outbox as HR notices, sent by the sender to
	// the HR recipients.
	Remind bool
	// Names looks up customers' names for the console (nil: ids only).
	Names *Names
	// Holder names this replica for the lease (default: random).
	Holder string
	// Poll is the worker's period (default 30 s).
	Poll time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Service runs handovers.
type Service struct {
	cfg  Config
	kick chan struct{}
}

// New checks cfg and builds a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Client == nil || cfg.Store == nil {
		return nil, errors.New("new handover service: a WeCom client and a store are required")
	}
	if cfg.Holder == "" {
		cfg.Holder = fmt.Sprintf("%x", time.Now().UnixNano())
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{cfg: cfg, kick: make(chan struct{}, 1)}, nil
}

func decode(data []byte, leaver string) (*Handover, error) {
	h := &Handover{Leaver: leaver, Items: map[string]*Item{}}
	if data == nil {
		return h, nil
	}
	if err := json.Unmarshal(data, h); err != nil {
		return nil, fmt.Errorf("decode handover of %q: %w", leaver, err)
	}
	if h.Items == nil {
		h.Items = map[string]*Item{}
	}
	return h, nil
}

// update changes leaver's handover atomically.
func (s *Service) update(ctx context.Context, leaver string, change func(h *Handover) error) (*Handover, error) {
	var out *Handover
	err := s.cfg.Store.UpdateHandover(ctx, leaver, func(old []byte) ([]byte, bool, error) {
		h, err := decode(old, leaver)
		if err != nil {
			return nil, false, err
		}
		if err := change(h); err != nil {
			return nil, false, err
		}
		data, err := json.Marshal(h)
		if err != nil {
			return nil, false, err
		}
		out = h
		return data, h.Open(), nil
	})
	return out, err
}

// Get returns leaver's handover.
func (s *Service) Get(ctx context.Context, leaver string) (*Handover, error) {
	data, found, err := s.cfg.Store.Handover(ctx, leaver)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("handover of %q: %w", leaver, ErrNotFound)
	}
	return decode(data, leaver)
}

// List returns the open handovers, oldest first.
func (s *Service) List(ctx context.Context) ([]*Handover, error) {
	ids, err := s.cfg.Store.OpenHandovers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*Handover, 0, len(ids))
	for _, id := range ids {
		h, err := s.Get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

// NoteLeaver records a leaver's departments from the delete_user event,
// so the department's default successor applies; the customers come from
// WeCom at the next Refresh.
func (s *Service) NoteLeaver(ctx context.Context, leaver string, departments []int64) error {
	if leaver == "" {
		return fmt.Errorf("note leaver: empty userid: %w", ErrInvalid)
	}
	_, err := s.update(ctx, leaver, func(h *Handover) error {
		h.Departments = slices.Clone(departments)
		if h.Left.IsZero() {
			h.Left = s.cfg.Now()
		}
		s.applyDefault(h)
		return nil
	})
	if err == nil {
		s.Kick()
	}
	return err
}

// applyDefault chooses the department's default successor when HR has
// chosen none, and queues to it the unassigned items of h (also those
// WeCom lists later).
func (s *Service) applyDefault(h *Handover) {
	if h.Takeover == "" {
		for _, d := range h.Departments {
			if who := s.cfg.Defaults[d]; who != "" && who != h.Leaver {
				h.Takeover, h.ChosenBy, h.ChosenAt = who, "default", s.cfg.Now()
				break
			}
		}
	}
	if h.ChosenBy != "default" {
		return
	}
	for _, it := range h.Items {
		if it.State == StateUnassigned {
			s.queue(it, h.Takeover)
		}
	}
}

func (s *Service) queue(it *Item, takeover string) {
	it.State, it.Takeover, it.Queued = StateQueued, takeover, s.cfg.Now()
	it.ErrCode, it.Reason, it.Call, it.Attempts, it.NextTry = 0, "", "", 0, time.Time{}
}

// Assign hands the named customers and groups of leaver (all that are
// not under way or done, when both lists are empty) to takeover, chosen
// by the HR user by. Items waiting for the customer or taken over are
// left as they are: assigning twice transfers nothing twice. It returns
// the handover and how many items were queued.
func (s *Service) Assign(ctx context.Context, leaver, takeover, by string, customers, groups []string) (*Handover, int, error) {
	switch {
	case takeover == "":
		return nil, 0, fmt.Errorf("assign: choose a successor (takeover): %w", ErrInvalid)
	case takeover == leaver:
		return nil, 0, fmt.Errorf("assign: the leaver cannot be the successor: %w", ErrInvalid)
	}
	if _, err := s.Get(ctx, leaver); err != nil {
		return nil, 0, err
	}
	queued := 0
	h, err := s.update(ctx, leaver, func(h *Handover) error {
		queued = 0
		want := map[string]bool{}
		for _, id := range customers {
			want[itemKey(KindCustomer, id)] = true
		}
		for _, id := range groups {
			want[itemKey(KindGroup, id)] = true
		}
		for k := range want {
			if h.Items[k] == nil {
				return fmt.Errorf("assign: %s is not among the leaver's customers and groups: %w", k, ErrInvalid)
			}
		}
		for k, it := range h.Items {
			if len(want) > 0 && !want[k] {
				continue
			}
			switch it.State {
			case StateUnassigned, StateRefused, StateFailed, StateQueued:
				s.queue(it, takeover)
				queued++
			}
		}
		h.Takeover, h.ChosenBy, h.ChosenAt = takeover, by, s.cfg.Now()
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	s.Kick()
	return h, queued, nil
}

// Kick asks the worker to run now (when this replica holds the lease).
func (s *Service) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}
