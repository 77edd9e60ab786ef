package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/rules"
)

// Action kinds of directory events.
const (
	// ActProfileName tells HR that a member's display name or alias breaks
	// the policy. From is the member; FromName is set to the userid so the
	// name itself is never shown unmasked; Evidence holds "姓名：老*"-style
	// masked hits.
	ActProfileName ActionKind = "profile_name"
	// ActHandoverHR tells HR that a leaver's customers must be handed over.
	// From is the leaver; Evidence holds the ids of the leaver's open cases.
	ActHandoverHR ActionKind = "handover_hr"
	// ActHandoverLeader tells the leaver's direct leader the same. The
	// leader is kept where the sender looks a leader up: the cache entry
	// "leader:"+From, written when the event arrives (the leaver can no
	// longer be looked up).
	ActHandoverLeader ActionKind = "handover_leader"
)

// leaderTTL keeps a leaver's leader long enough for any outbox retry.
const leaderTTL = 7 * 24 * time.Hour

// maxCaseIDs bounds the case ids listed in a handover notice.
const maxCaseIDs = 20

// DirectoryStore is what directory events need of Redis beyond the
// pipeline's Store (bot/store.Store has both); HandleDirectoryEvent finds it
// on the pipeline's Store.
type DirectoryStore interface {
	CacheGet(ctx context.Context, key string, v any) (bool, error)
	CacheSet(ctx context.Context, key string, v any, ttl time.Duration) error
	CacheDelete(ctx context.Context, key string) error
	OpenCases(ctx context.Context) ([]string, error)
	Case(ctx context.Context, id string) (store.Case, bool, error)
}

// HandleDirectoryEvent processes an event of the app callback:
// change_contact create_user/update_user (the new name and alias are checked
// against the policy as a profile, and HR is told of a hit), delete_user (HR
// and the leaver's direct leader are told to hand the leaver's customers
// over, with the leaver's open cases), and change_external_chat change_owner
// (the cached owner of that customer group is dropped). Other events are
// only deduplicated. Like Process, every effect is idempotent and the dedup
// mark is set last, so a retry completes what a failure interrupted.
func (p *Pipeline) HandleDirectoryEvent(ctx context.Context, m *wecom.Message) (Result, error) {
	id := m.DedupKey()
	seen, err := p.cfg.Store.Seen(ctx, id)
	if err != nil {
		return Result{}, fmt.Errorf("dedup %s: %w: %w", id, ErrUnavailable, err)
	}
	if seen {
		return Result{Duplicate: true}, nil
	}
	var res Result
	switch {
	case m.Event == wecom.EventChangeContact && (m.ChangeType == wecom.ChangeCreateUser || m.ChangeType == wecom.ChangeUpdateUser):
		res, err = p.checkProfile(ctx, m, id)
	case m.Event == wecom.EventChangeContact && m.ChangeType == wecom.ChangeDeleteUser:
		err = p.handover(ctx, m, id)
	case m.Event == wecom.EventChangeExternalChat && m.UpdateDetail == "change_owner" && m.ChatID != "":
		var ds DirectoryStore
		if ds, err = p.directoryStore(); err == nil {
			// The sender caches a customer group's owner under this key.
			err = ds.CacheDelete(ctx, "owner:"+rules.ChatExternal.String()+":"+m.ChatID)
		}
	}
	if err != nil {
		return Result{}, fmt.Errorf("directory event %s: %w: %w", id, ErrUnavailable, err)
	}
	if _, err := p.cfg.Store.MarkSeen(ctx, id, p.cfg.DedupTTL); err != nil {
		return Result{}, fmt.Errorf("dedup %s: %w: %w", id, ErrUnavailable, err)
	}
	return res, nil
}

func (p *Pipeline) directoryStore() (DirectoryStore, error) { return p.cfg.Store, nil }

func eventTime(m *wecom.Message, now func() time.Time) time.Time {
	if m.CreateTime > 0 {
		return time.Unix(m.CreateTime, 0)
	}
	return now()
}

// checkProfile evaluates the member's new name and alias as a profile.
// update_user carries only what changed, so an absent field is skipped.
func (p *Pipeline) checkProfile(ctx context.Context, m *wecom.Message, id string) (Result, error) {
	user := m.UserID
	if m.NewUserID != "" {
		user = m.NewUserID
	}
	at := eventTime(m, p.cfg.Now)
	checker := p.cfg.Checker()
	var res Result
	var evidence []string
	for _, f := range []struct{ label, value string }{{"姓名", m.Name}, {"别名", m.Alias}} {
		if strings.TrimSpace(f.value) == "" {
			continue
		}
		// The zero time: a display name is shown at all hours.
		v := checker.Evaluate(f.value, rules.Context{ChatKind: rules.ChatProfile})
		res.Verdict.Action = max(res.Verdict.Action, v.Action)
		res.Verdict.Severity = max(res.Verdict.Severity, v.Severity)
		res.Verdict.Hits = append(res.Verdict.Hits, v.Hits...)
		for _, h := range v.Hits {
			if e := f.label + "：" + h.Masked; !h.Shadow && !slices.Contains(evidence, e) {
				evidence = append(evidence, e)
			}
		}
	}
	cats := foldCategories(res.Verdict)
	if len(cats) == 0 || res.Verdict.Action <= rules.ActionLog {
		return res, nil
	}
	a := Action{
		MsgID: id, From: user, FromName: user, ChatKind: rules.ChatProfile.String(), Time: at,
		Severity: res.Verdict.Severity.String(), Evidence: evidence,
	}
	for _, c := range cats {
		a.Categories = append(a.Categories, c.name)
	}
	return res, p.enqueue(ctx, a.as(ActProfileName))
}

// handover tells HR, and the leaver's direct leader when known, that the
// leaver's customers must be handed over.
func (p *Pipeline) handover(ctx context.Context, m *wecom.Message, id string) error {
	ds, err := p.directoryStore()
	if err != nil {
		return err
	}
	leaver := m.UserID
	if leaver == "" {
		return nil
	}
	// The member is gone from the directory: what the event carries, else
	// what the sender cached when it last looked the member up.
	name := m.Name
	leader := firstOf(m.DirectLeader)
	var cached wecom.User
	if ok, err := ds.CacheGet(ctx, "user:"+leaver, &cached); err != nil {
		return err
	} else if ok {
		if name == "" {
			name = cached.Name
		}
		if leader == "" && len(cached.DirectLeader) > 0 {
			leader = cached.DirectLeader[0]
		}
	}
	caseIDs, err := openCasesOf(ctx, ds, leaver)
	if err != nil {
		return err
	}
	a := Action{MsgID: id, From: leaver, FromName: name, Time: eventTime(m, p.cfg.Now), Evidence: caseIDs}
	if err := p.enqueue(ctx, a.as(ActHandoverHR)); err != nil {
		return err
	}
	if leader == "" || leader == leaver {
		return nil
	}
	if err := ds.CacheSet(ctx, "leader:"+leaver, leader, leaderTTL); err != nil {
		return err
	}
	return p.enqueue(ctx, a.as(ActHandoverLeader))
}

func firstOf(list string) string {
	for part := range strings.SplitSeq(list, ",") {
		if s := strings.TrimSpace(part); s != "" {
			return s
		}
	}
	return ""
}

// openCasesOf lists the unresolved cases of user, oldest first.
func openCasesOf(ctx context.Context, ds DirectoryStore, user string) ([]string, error) {
	ids, err := ds.OpenCases(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, id := range ids {
		c, ok, err := ds.Case(ctx, id)
		if err != nil {
			return nil, err
		}
		if ok && c.User == user && c.Status != "resolved" {
			out = append(out, id)
		}
	}
	return out, nil
}

func (p *Pipeline) enqueue(ctx context.Context, a Action) error {
	payload, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode action %s: %w", a.Key, err)
	}
	_, err = p.cfg.Store.Enqueue(ctx, a.Key, payload, p.cfg.Now())
	return err
}

// directoryRecipient resolves who gets a directory notice: HR for
// ActProfileName and ActHandoverHR, the leaver's direct leader (cached when
// the event arrived) for ActHandoverLeader. The sender's recipient() calls
// it for these kinds.
func (s *Sender) directoryRecipient(ctx context.Context, a Action) (string, error) {
	switch a.Kind {
	case ActProfileName, ActHandoverHR:
		if s.cfg.HR.Empty() {
			return "", fmt.Errorf("no HR recipients configured (hr.users, hr.departments or hr.tags): %w", errNoRecipient)
		}
		return "hr", nil
	case ActHandoverLeader:
		leader, err := s.owner(ctx, Action{From: a.From})
		if err != nil {
			return "", err
		}
		if leader == "" || leader == a.From {
			return "", fmt.Errorf("no direct leader known for %q: %w", a.From, errNoRecipient)
		}
		return "user:" + leader, nil
	}
	return "", fmt.Errorf("not a directory action kind %q: %w", a.Kind, errNoRecipient)
}

// renderDirectory builds the message of one directory notice, or a digest
// of several of the same kind. render() calls it for ActProfileName,
// ActHandoverHR and ActHandoverLeader.
func renderDirectory(kind ActionKind, acts []Action) string {
	var b strings.Builder
	switch kind {
	case ActProfileName:
		if len(acts) == 1 {
			a := acts[0]
			fmt.Fprintf(&b, "**不当昵称提醒**\n>成员：%s\n>类别：%s（%s）\n>证据：%s\n\n按公司企业微信使用规范，请联系该成员修改显示名称或别名。",
				a.who(), categoryLabels(a.Categories), severityLabel(a.Severity), a.evidence())
			return b.String()
		}
		fmt.Fprintf(&b, "**不当昵称提醒汇总（%d 条）**\n", len(acts))
		for _, a := range acts {
			fmt.Fprintf(&b, ">%s %s：%s（%s）\n", a.Time.In(shanghai).Format("01-02 15:04"), a.who(),
				categoryLabels(a.Categories), a.evidence())
		}
		return b.String()
	case ActHandoverHR, ActHandoverLeader:
		const rule = "按公司客户资源管理规定，离职成员的客户及客户群须在企业微信中办理离职继承，移交给在职同事，不得由个人带走。"
		if len(acts) == 1 {
			a := acts[0]
			if kind == ActHandoverLeader {
				fmt.Fprintf(&b, "**离职交接提醒**\n>您的下属 %s 已离职。\n>未结违规案件：%s\n\n%s请尽快与人力资源部确认其客户的接手人。", a.who(), caseList(a.Evidence), rule)
			} else {
				fmt.Fprintf(&b, "**离职交接提醒**\n>离职成员：%s\n>未结违规案件：%s\n\n%s请督促其直属上级安排接手人，并处理未结案件。", a.who(), caseList(a.Evidence), rule)
			}
			return b.String()
		}
		fmt.Fprintf(&b, "**离职交接提醒（%d 人）**\n", len(acts))
		for _, a := range acts {
			fmt.Fprintf(&b, ">%s %s 离职，未结违规案件：%s\n", a.Time.In(shanghai).Format("01-02 15:04"), a.who(), caseList(a.Evidence))
		}
		b.WriteString("\n" + rule)
		return b.String()
	}
	return ""
}

// caseList says how many open cases there are, naming the first few.
func caseList(ids []string) string {
	if len(ids) == 0 {
		return "无"
	}
	shown := ids[:min(len(ids), maxCaseIDs)]
	s := fmt.Sprintf("%d 件（%s", len(ids), strings.Join(shown, "、"))
	if len(ids) > len(shown) {
		s += " 等"
	}
	return s + "）"
}
