package handover

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// LeaseName is the lease the working replica holds.
const LeaseName = "handover"

// AcceptWindow is how long a customer has to refuse a transfer; WeCom
// hands the customer over when it ends.
const AcceptWindow = 24 * time.Hour

// staleSending is how long an item may stay "sending" before the worker
// takes it for a call that never finished (a crash): it is queued again,
// and WeCom answers 40100 for a customer already in transfer.
const staleSending = 2 * time.Minute

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

func backoff(n int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// claim moves up to MaxTransferBatch due queued items of one kind and one
// successor to sending, in one atomic change, and returns their ids: only
// a claimed item is sent, so concurrent or repeated rounds never send an
// item twice.
func (s *Service) claim(ctx context.Context, leaver, kind string) (takeover string, ids []string, err error) {
	now := s.cfg.Now()
	_, err = s.update(ctx, leaver, func(h *Handover) error {
		takeover, ids = "", nil
		for _, it := range h.Sorted() {
			if it.Kind != kind {
				continue
			}
			if it.State == StateSending && now.Sub(it.Sent) >= staleSending {
				it.State = StateQueued // a call that never finished
			}
			if it.State != StateQueued || now.Before(it.NextTry) || len(ids) == wecom.MaxTransferBatch {
				continue
			}
			if takeover == "" {
				takeover = it.Takeover
			}
			if it.Takeover != takeover {
				continue // the next round sends the other successor's
			}
			it.State, it.Sent = StateSending, now
			ids = append(ids, it.ID)
		}
		return nil
	})
	return takeover, ids, err
}

// settle records the outcome of a call for the claimed items.
func (s *Service) settle(ctx context.Context, leaver, kind string, ids []string, callErr error, outcome func(it *Item)) error {
	now := s.cfg.Now()
	_, err := s.update(ctx, leaver, func(h *Handover) error {
		for _, id := range ids {
			it := h.Items[itemKey(kind, id)]
			if it == nil || it.State != StateSending {
				continue
			}
			switch {
			case callErr == nil:
				outcome(it)
			case wecom.Retryable(callErr) || wecom.TokenInvalid(callErr):
				it.State = StateQueued
				it.Attempts++
				it.NextTry = now.Add(backoff(it.Attempts))
			default:
				it.State = StateFailed
				if apiErr, ok := errors.AsType[*wecom.APIError](callErr); ok {
					it.ErrCode, it.Reason = apiErr.Code, Reason(apiErr.Code)
				} else {
					it.Reason = "请求被拒绝：" + callErr.Error()
				}
			}
		}
		return nil
	})
	return err
}

func (s *Service) transfer(ctx context.Context, leaver string) error {
	var errs []error
	for range 50 { // at most 5,000 customers a round
		takeover, ids, err := s.claim(ctx, leaver, KindCustomer)
		if err != nil || len(ids) == 0 {
			errs = append(errs, err)
			break
		}
		res, callErr := s.cfg.Client.TransferResigned(ctx, leaver, takeover, ids)
		codes := map[string]int{}
		for _, r := range res {
			codes[r.ExternalUserID] = r.ErrCode
		}
		now := s.cfg.Now()
		err = s.settle(ctx, leaver, KindCustomer, ids, callErr, func(it *Item) {
			code, listed := codes[it.ID]
			switch {
			case !listed || code == 0 || code == codeInTransfer:
				// 40100: already in transfer, from an earlier call whose
				// answer was lost: waiting, not sent again.
				it.State, it.Sent = StateWaiting, now
			default:
				it.State, it.ErrCode, it.Reason = StateFailed, code, Reason(code)
			}
		})
		errs = append(errs, callErr, err)
		s.cfg.Logger.Info().Str("leaver", leaver).Str("takeover", takeover).Int("customers", len(ids)).AnErr("error", callErr).Msg("handover: customers transferred")
		if callErr != nil {
			break
		}
	}
	for range 50 {
		takeover, ids, err := s.claim(ctx, leaver, KindGroup)
		if err != nil || len(ids) == 0 {
			errs = append(errs, err)
			break
		}
		failed, callErr := s.cfg.Client.TransferGroupChats(ctx, ids, takeover)
		fails := map[string]wecom.GroupTransferFailure{}
		for _, f := range failed {
			fails[f.ChatID] = f
		}
		// A group whose owner "has not left" may be one this worker
		// handed over already (a lost answer): its owner says so.
		moved := map[string]bool{}
		for id, f := range fails {
			if f.ErrCode == codeOwnerNotResigned {
				if owner, err := s.cfg.Client.ExternalGroupChatOwner(ctx, id); err == nil && owner == takeover {
					moved[id] = true
				}
			}
		}
		now := s.cfg.Now()
		err = s.settle(ctx, leaver, KindGroup, ids, callErr, func(it *Item) {
			if f, bad := fails[it.ID]; bad && !moved[it.ID] {
				it.State, it.ErrCode, it.Reason = StateFailed, f.ErrCode, Reason(f.ErrCode)
				return
			}
			it.State, it.Done = StateTaken, now // a group changes owner at once
		})
		errs = append(errs, callErr, err)
		s.cfg.Logger.Info().Str("leaver", leaver).Str("takeover", takeover).Int("groups", len(ids)).AnErr("error", callErr).Msg("handover: customer groups transferred")
		if callErr != nil {
			break
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
			n[it.Kind+"/"+it.State]++
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
// the acceptance window. Reminded is set only after a sent reminder, so a
// failed one is tried again next round.
func (s *Service) remind(ctx context.Context, leaver string) error {
	if s.cfg.Notify == nil {
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
	if err := s.cfg.Notify(ctx, ReminderText(h, counts)); err != nil {
		return fmt.Errorf("remind HR of %q: %w", leaver, err)
	}
	_, err = s.update(ctx, leaver, func(h *Handover) error {
		h.Reminded = now
		return nil
	})
	return err
}
