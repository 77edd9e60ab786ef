package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/handover"
	"github.com/wecom-guard/wecom-guard/bot/intercept"
	"github.com/wecom-guard/wecom-guard/bot/outcall"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/handlers"
)

// CustomersConfig turns on the customer-contact features (客户联系). Both
// need the app's secret to have the 客户联系 permission (the app listed
// under 客户联系 → API → 可调用应用), so both are off by default.
type CustomersConfig struct {
	// InterceptSync keeps WeCom's intercept rules for customer chats in
	// step with the lists marked 拦截客户聊天 in the policy.
	InterceptSync bool `yaml:"intercept_sync"`
	// Handover hands leavers' customers and customer groups to successors
	// (离职继承) and reminds HR of what is open.
	Handover bool `yaml:"handover"`
	// HandoverDefaults names a default successor per department: department
	// id → userid (2=zhaoliu). A leaver of the department is handed over
	// without waiting for HR.
	HandoverDefaults map[string]string `yaml:"handover_defaults"`
}

func (c CustomersConfig) validate() []error {
	var errs []error
	for dept, who := range c.HandoverDefaults {
		if n, err := strconv.ParseInt(strings.TrimSpace(dept), 10, 64); err != nil || n <= 0 {
			errs = append(errs, fmt.Errorf("%s: %q is not a department id; write department id=userid, e.g. 2=zhaoliu", keyRef("customers.handover_defaults"), dept))
		}
		if strings.TrimSpace(who) == "" {
			errs = append(errs, fmt.Errorf("%s: department %s has no successor; write department id=userid", keyRef("customers.handover_defaults"), dept))
		}
	}
	if len(c.HandoverDefaults) > 0 && !c.Handover {
		errs = append(errs, fmt.Errorf("%s is set but %s is off: turn the handover on or remove the defaults", keyRef("customers.handover_defaults"), keyRef("customers.handover")))
	}
	return errs
}

func (c CustomersConfig) defaults() map[int64]string {
	out := map[int64]string{}
	for dept, who := range c.HandoverDefaults {
		if n, err := strconv.ParseInt(strings.TrimSpace(dept), 10, 64); err == nil {
			out[n] = strings.TrimSpace(who)
		}
	}
	return out
}

// customerServices builds what CustomersConfig turns on and adds it to
// hcfg, and the handlers of their WeCom calls to calls (the sender's
// SenderConfig.Calls: the calls travel through the outbox); goAll starts
// their loops.
type customerServices struct {
	syncer    *intercept.Syncer
	handovers *handover.Service
}

func newCustomerServices(cfg CustomersConfig, client *wecom.Client, st *store.Store, holder string, log zerolog.Logger, hcfg *handlers.Config, calls map[string]outcall.Handler) (*customerServices, error) {
	var cs customerServices
	var err error
	if cfg.InterceptSync {
		cs.syncer, err = intercept.New(intercept.Config{Client: client, Store: st, Holder: holder, Logger: log.With().Str("component", "intercept").Logger()})
		if err != nil {
			return nil, err
		}
		hcfg.Intercept = cs.syncer
		calls[intercept.CallName] = cs.syncer.Handler()
	}
	if cfg.Handover {
		hlog := log.With().Str("component", "handover").Logger()
		// Reminders are HR notices in the outbox: without HR recipients
		// (enforcement.hr) the sender dead-letters them and says why.
		cs.handovers, err = handover.New(handover.Config{Client: client, Store: st, Holder: holder, Defaults: cfg.defaults(), Remind: true, Logger: hlog,
			Names: &handover.Names{Client: client, Cache: st, Logger: hlog}})
		if err != nil {
			return nil, err
		}
		hcfg.Handover = cs.handovers
		calls[handover.CallName] = cs.handovers.Handler()
		hcfg.Pipeline = leaverHook{Pipeline: hcfg.Pipeline, handovers: cs.handovers, log: hlog}
	}
	return &cs, nil
}

// goAll starts the loops on g until ctx ends.
func (cs *customerServices) goAll(ctx context.Context, start func(func())) {
	if cs.syncer != nil {
		start(func() { cs.syncer.Run(ctx) })
	}
	if cs.handovers != nil {
		start(func() { cs.handovers.Run(ctx) })
	}
}

// leaverHook tells the handover of a delete_user event once the pipeline
// has taken it (HR and the leader are told by the pipeline): the event is
// the only place the leaver's departments, and so the department's
// default successor, are known. A failure is logged; the customers are
// still found at the next refresh from WeCom.
type leaverHook struct {
	handlers.Pipeline
	handovers *handover.Service
	log       zerolog.Logger
}

func (l leaverHook) HandleCallback(ctx context.Context, m *wecom.Message) (bot.Result, error) {
	res, err := l.Pipeline.HandleCallback(ctx, m)
	if err != nil || res.Duplicate || m.Event != wecom.EventChangeContact || m.ChangeType != wecom.ChangeDeleteUser || m.UserID == "" {
		return res, err
	}
	var depts []int64
	for part := range strings.SplitSeq(m.Department, ",") {
		if n, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64); err == nil && n > 0 {
			depts = append(depts, n)
		}
	}
	if nerr := l.handovers.NoteLeaver(ctx, m.UserID, depts); nerr != nil {
		l.log.Warn().Err(nerr).Str("leaver", m.UserID).Msg("handover: leaver not noted; the next refresh from WeCom finds the customers")
	}
	return res, err
}
