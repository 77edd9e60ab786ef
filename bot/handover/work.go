package handover

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/outcall"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// LeaseName is the lease the working replica holds.
const LeaseName = "handover"

// AcceptWindow is how long a customer has to refuse a transfer; WeCom
// hands the customer over when it ends.
const AcceptWindow = 24 * time.Hour

// staleSending is how long an item sent before transfers went through
// the outbox may stay "sending" before the worker takes it for a call that
// never finished (a crash): it is queued again, and WeCom answers 40100
// for a customer already in transfer.
const staleSending = 2 * time.Minute

// staleCall is how long an item may stay "sending" under an outbox call:
// longer than the outbox tries a call (24 h) before giving it up and
// telling the handover, so only a call whose queueing failed (and could
// not be put back) is taken for lost.
const staleCall = 25 * time.Hour

// Errcodes the worker reads (WeCom's).
const (
	codeInTransfer       = 40100
	codeOwnerNotResigned = 90500
)

// reasons says in Chinese what an errcode means for a transfer.
var reasons = map[int]string{
	40096: "客户的 external_userid 不合法",
	40097: "该成员尚未离职，请改用在职继承",
	40050: "客户群不存在",
	60111: "接替成员不存在或已离职",
	84061: "客户已不是该离职成员的联系人",
	90500: "群主尚未离职",
}

// Reason says in Chinese why WeCom refused with code.
func Reason(code int) string {
	if r, ok := reasons[code]; ok {
		return fmt.Sprintf("%s（错误码 %d）", r, code)
	}
	return fmt.Sprintf("企业微信拒绝了转接（错误码 %d）", code)
}

// Run refreshes the leavers from WeCom, sends queued transfers, polls
// their results and reminds HR, while this replica holds the lease, until
// ctx ends.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	var refreshed time.Time
	for {
		ok, err := s.cfg.Store.TryLease(ctx, LeaseName, s.cfg.Holder, max(time.Minute, 3*s.cfg.Poll))
		switch {
		case err != nil:
			s.cfg.Logger.Warn().Err(err).Msg("handover: lease check failed")
		case ok:
			if now := s.cfg.Now(); now.Sub(refreshed) >= 10*s.cfg.Poll {
				if err := s.Refresh(ctx); err != nil {
					s.cfg.Logger.Warn().Err(err).Msg("handover: reading leavers' customers from WeCom failed")
				} else {
					refreshed = now
				}
			}
			if err := s.Work(ctx); err != nil {
				s.cfg.Logger.Warn().Err(err).Msg("handover: a step failed; retrying")
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
		}
	}
}

// Refresh reads the leavers' unassigned customers and their customer
// groups waiting for a new owner from WeCom, and adds what is new to their
// handovers (as 等待分配, or queued for a department's default successor).
func (s *Service) Refresh(ctx context.Context) error {
	byLeaver := map[string][]wecom.Unassigned{}
	var order []string
	cursor := ""
	for {
		page, next, err := s.cfg.Client.UnassignedList(ctx, cursor)
		if err != nil {
			return err
		}
		for _, u := range page {
			if _, ok := byLeaver[u.HandoverUserID]; !ok {
				order = append(order, u.HandoverUserID)
			}
			byLeaver[u.HandoverUserID] = append(byLeaver[u.HandoverUserID], u)
		}
		if next == "" || next == cursor {
			break
		}
		cursor = next
	}
	// Leavers known from their event but without customers may own groups.
	open, err := s.cfg.Store.OpenHandovers(ctx)
	if err != nil {
		return err
	}
	for _, l := range open {
		if _, ok := byLeaver[l]; !ok {
			order = append(order, l)
		}
	}
	for _, leaver := range order {
		var chats []string
		cursor := ""
		for {
			page, next, err := s.cfg.Client.GroupChatsOf(ctx, []string{leaver}, wecom.GroupChatResignedWaiting, cursor)
			if err != nil {
				return err
			}
			for _, c := range page {
				chats = append(chats, c.ChatID)
			}
			if next == "" || next == cursor {
				break
			}
			cursor = next
		}
		custs := byLeaver[leaver]
		if len(custs) == 0 && len(chats) == 0 {
			continue
		}
		_, err := s.update(ctx, leaver, func(h *Handover) error {
			for _, u := range custs {
				if h.Left.IsZero() && u.DimissionTime > 0 {
					h.Left = time.Unix(u.DimissionTime, 0)
				}
				k := itemKey(KindCustomer, u.ExternalUserID)
				if h.Items[k] == nil {
					h.Items[k] = &Item{Kind: KindCustomer, ID: u.ExternalUserID, State: StateUnassigned}
				}
			}
			for _, c := range chats {
				k := itemKey(KindGroup, c)
				if h.Items[k] == nil {
					h.Items[k] = &Item{Kind: KindGroup, ID: c, State: StateUnassigned}
				}
			}
			s.applyDefault(h)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Work runs one round over the open handovers: send what is queued, poll
// what waits for the customer, remind HR of what is overdue.
func (s *Service) Work(ctx context.Context) error {
	ids, err := s.cfg.Store.OpenHandovers(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, leaver := range ids {
		if err := s.transfer(ctx, leaver); err != nil {
			errs = append(errs, err)
		}
		if err := s.poll(ctx, leaver); err != nil {
			errs = append(errs, err)
		}
		if err := s.remind(ctx, leaver); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// claim moves up to MaxTransferBatch queued items of one kind and one
// successor to sending under a new call key, in one atomic change, and
// returns them: only items sending under a call's key are sent by it, so
// concurrent or repeated rounds never send an item twice.
func (s *Service) claim(ctx context.Context, leaver, kind string) (c transferCall, err error) {
	now := s.cfg.Now()
	_, err = s.update(ctx, leaver, func(h *Handover) error {
		c = transferCall{Leaver: leaver, Kind: kind}
		for _, it := range h.Sorted() {
			if it.Kind != kind {
				continue
			}
			if it.State == StateSending && stale(it, now) {
				it.State, it.Call = StateQueued, "" // a call never queued or long given up
			}
			if it.State != StateQueued || len(c.IDs) == wecom.MaxTransferBatch {
				continue
			}
			if c.Takeover == "" {
				c.Takeover = it.Takeover
			}
			if it.Takeover != c.Takeover {
				continue // the next round sends the other successor's
			}
			c.IDs = append(c.IDs, it.ID)
		}
		if len(c.IDs) == 0 {
			return nil
		}
		h.Calls++
		// The random part keeps a key from repeating one the outbox still
		// marks as queued (7 days) should this document be lost and its
		// count start again: such a call would never be queued.
		c.Key = fmt.Sprintf("handover/%s/%s/%d-%s", leaver, kind, h.Calls, callNonce())
		for _, id := range c.IDs {
			it := h.Items[itemKey(kind, id)]
			it.State, it.Sent, it.Call = StateSending, now, c.Key
		}
		return nil
	})
	return c, err
}

// callNonce is the random part of a transfer's key.
func callNonce() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// stale reports whether a sending item's call is gone: one queued before
// the outbox carried transfers and never finished, or one whose queueing
// failed (the outbox gives up on a call after a day and says so; a call
// older than that is not coming).
func stale(it *Item, now time.Time) bool {
	if it.Call == "" {
		return now.Sub(it.Sent) >= staleSending
	}
	return now.Sub(it.Sent) >= staleCall
}

// transfer claims the leaver's queued items, a batch at a time, and
// queues a transfer call for each batch. A batch that cannot be queued is
// put back.
func (s *Service) transfer(ctx context.Context, leaver string) error {
	var errs []error
	for _, kind := range []string{KindCustomer, KindGroup} {
		for range 50 { // at most 5,000 items a round
			c, err := s.claim(ctx, leaver, kind)
			if err != nil || len(c.IDs) == 0 {
				errs = append(errs, err)
				break
			}
			added, err := outcall.Enqueue(ctx, s.cfg.Store, CallName, c.Key, c.describe(), c, s.cfg.Now())
			if err == nil && !added {
				// Never with the key's random part; were it to happen, the
				// items would wait for a call that is not coming.
				s.cfg.Logger.Error().Str("leaver", leaver).Str("call", c.Key).Msg("handover: transfer key queued before; items put back")
				err = fmt.Errorf("handover call %s: key queued before", c.Key)
			}
			if err != nil {
				_, uerr := s.update(ctx, leaver, func(h *Handover) error {
					for _, id := range c.IDs {
						if it := h.Items[itemKey(kind, id)]; it != nil && it.State == StateSending && it.Call == c.Key {
							it.State, it.Call = StateQueued, ""
						}
					}
					return nil
				})
				errs = append(errs, err, uerr)
				break
			}
			s.cfg.Logger.Info().Str("leaver", leaver).Str("takeover", c.Takeover).Str("kind", kind).Int("items", len(c.IDs)).Str("call", c.Key).Msg("handover: transfer queued")
		}
	}
	return errors.Join(errs...)
}

// poll asks WeCom how the waiting transfers stand.
func (s *Service) poll(ctx context.Context, leaver string) error {
	h, err := s.Get(ctx, leaver)
	if err != nil {
		return err
	}
	takeovers := map[string]bool{}
	for _, it := range h.Items {
		if it.Kind == KindCustomer && it.State == StateWaiting {
			takeovers[it.Takeover] = true
		}
	}
	for takeover := range takeovers {
		status := map[string]wecom.TransferStatus{}
		cursor := ""
		for {
			page, next, err := s.cfg.Client.TransferResultPage(ctx, leaver, takeover, cursor)
			if err != nil {
				return err
			}
			for _, st := range page {
				status[st.ExternalUserID] = st
			}
			if next == "" || next == cursor {
				break
			}
			cursor = next
		}
		_, err := s.update(ctx, leaver, func(h *Handover) error {
			for _, it := range h.Items {
				st, ok := status[it.ID]
				if it.Kind != KindCustomer || it.State != StateWaiting || it.Takeover != takeover || !ok {
					continue
				}
				switch st.Status {
				case wecom.TransferDone:
					it.State, it.Done = StateTaken, time.Unix(st.TakeoverTime, 0)
				case wecom.TransferRefused:
					it.State, it.Done = StateRefused, s.cfg.Now()
				case wecom.TransferFull:
					it.State, it.Reason = StateFailed, "接替成员的客户数已达上限，请另选接替成员"
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

// overdue lists what is still open of h after the acceptance window: items
// without a successor a day after the member left, refused and failed
// ones, and transfers WeCom has not settled a day after they were sent.
func overdue(h *Handover, now time.Time) map[string]int {
	n := map[string]int{}
	for _, it := range h.Items {
		since := it.Sent
		switch it.State {
		case StateUnassigned:
			since = h.Left
		case StateQueued, StateSending:
			since = it.Queued
		case StateTaken:
			continue
		case StateRefused, StateFailed:
			since = time.Time{} // open now
		}
		if since.IsZero() || now.Sub(since) >= AcceptWindow {
			st := it.State
			if st == StateSending {
				st = StateQueued // 尚未送达: the outbox is still trying
			}
			n[it.Kind+"/"+st]++
		}
	}
	return n
}

// ReminderText is the reminder HR reads for the counts of overdue.
func ReminderText(h *Handover, counts map[string]int) string {
	var parts []string
	for _, c := range []struct{ key, label, unit string }{
		{KindCustomer + "/" + StateUnassigned, "等待分配的客户", "位"},
		{KindCustomer + "/" + StateRefused, "拒绝接替的客户", "位"},
		{KindCustomer + "/" + StateFailed, "转接失败的客户", "位"},
		{KindCustomer + "/" + StateWaiting, "超过 24 小时仍在等待接替的客户", "位"},
		{KindCustomer + "/" + StateQueued, "尚未送达企业微信的客户", "位"},
		{KindGroup + "/" + StateUnassigned, "等待分配的客户群", "个"},
		{KindGroup + "/" + StateFailed, "转接失败的客户群", "个"},
		{KindGroup + "/" + StateQueued, "尚未送达企业微信的客户群", "个"},
	} {
		if n := counts[c.key]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d %s", c.label, n, c.unit))
		}
	}
	left := "未知"
	if !h.Left.IsZero() {
		left = h.Left.In(shanghai).Format("2006-01-02 15:04")
	}
	return fmt.Sprintf("**离职继承提醒**\n>离职成员：%s\n>离职时间：%s\n>仍未完成：%s\n\n按公司客户资源管理规定，离职成员的客户及客户群须移交给在职同事。请在管理后台「离职继承」页选择接替成员或重新分配。",
		h.Leaver, left, strings.Join(parts, "、"))
}

// remind tells HR, at most once a day a leaver, what is still open after
// the acceptance window, by an HR notice queued in the outbox (the sender
// delivers it to the HR recipients). Its key names the leaver and the day,
// so a round that queued it but failed to record it queues nothing twice.
func (s *Service) remind(ctx context.Context, leaver string) error {
	if !s.cfg.Remind {
		return nil
	}
	h, err := s.Get(ctx, leaver)
	if err != nil {
		return err
	}
	now := s.cfg.Now()
	if !h.Reminded.IsZero() && now.Sub(h.Reminded) < AcceptWindow {
		return nil
	}
	counts := overdue(h, now)
	if len(counts) == 0 {
		return nil
	}
	key := "handover-remind/" + leaver + "/" + now.In(shanghai).Format("2006-01-02")
	if _, err := outcall.EnqueueHRNotice(ctx, s.cfg.Store, key, ReminderText(h, counts), now); err != nil {
		return fmt.Errorf("remind HR of %q: %w", leaver, err)
	}
	_, err = s.update(ctx, leaver, func(h *Handover) error {
		h.Reminded = now
		return nil
	})
	return err
}
