package bot

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/rules"
)

// ActDigest is the periodic summary to HR; its text is made when it is
// queued and travels in Action.Content.
const ActDigest ActionKind = "hr_digest"

// DigestStore is what the digest reads and writes (bot/store).
type DigestStore interface {
	TryLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	MarkOnce(ctx context.Context, id string, ttl time.Duration) (bool, error)
	OnceDone(ctx context.Context, id string) (bool, error)
	Stats(ctx context.Context, now time.Time, days int) ([]store.DayStats, error)
	Cases(ctx context.Context, all bool, limit int) ([]store.Case, error)
	CachedDepartment(ctx context.Context, userID string) (string, bool, error)
	Enqueue(ctx context.Context, key string, payload []byte, now time.Time) (bool, error)
}

// DigestConfig holds the digest's dependencies and schedule.
type DigestConfig struct {
	Store DigestStore
	// Holder names this replica for the lease.
	Holder string
	// At is the time of day (China Standard Time) the digest goes out,
	// e.g. 9*time.Hour for 09:00. Every reports the last `Every` days: 24 h
	// for a daily digest, 7*24 h for a weekly one.
	At, Every time.Duration
	Logger    zerolog.Logger
	Now       func() time.Time
	// Check is how often the schedule is looked at (default 1 min).
	Check time.Duration
	// Labels returns the rule set in force, whose categories' labels the
	// digest shows; nil: the default policy's labels.
	Labels func() *rules.RuleSet
}

// Digester sends the HR digest from exactly one replica: the replica that
// holds the Redis lease builds it, and a once-mark and the outbox's
// idempotency key per period make a second send impossible even if two
// replicas raced past the lease.
type Digester struct{ cfg DigestConfig }

// NewDigester returns a digester.
func NewDigester(cfg DigestConfig) (*Digester, error) {
	if cfg.Store == nil || cfg.Holder == "" {
		return nil, fmt.Errorf("new digester: Store and Holder are required: %w", ErrInvalid)
	}
	if cfg.Every <= 0 {
		cfg.Every = 24 * time.Hour
	}
	if cfg.At < 0 || cfg.At >= 24*time.Hour {
		return nil, fmt.Errorf("new digester: time of day %s is not within a day: %w", cfg.At, ErrInvalid)
	}
	if cfg.Check <= 0 {
		cfg.Check = time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Digester{cfg: cfg}, nil
}

// Run sends each digest when it is due until ctx ends.
func (d *Digester) Run(ctx context.Context) {
	t := time.NewTicker(d.cfg.Check)
	defer t.Stop()
	for {
		if _, err := d.Tick(ctx); err != nil && ctx.Err() == nil {
			d.cfg.Logger.Warn().Err(err).Msg("hr digest failed; will retry")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick queues the digest if one is due and this replica holds the lease;
// it reports whether it queued one.
func (d *Digester) Tick(ctx context.Context) (bool, error) {
	now := d.cfg.Now().In(shanghai)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, shanghai)
	if now.Before(day.Add(d.cfg.At)) {
		return false, nil
	}
	period := day.Format("2006-01-02")
	if d.cfg.Every >= 7*24*time.Hour {
		y, w := day.ISOWeek()
		period = fmt.Sprintf("%d-W%02d", y, w)
	}
	ok, err := d.cfg.Store.TryLease(ctx, "hr-digest", d.cfg.Holder, 5*time.Minute)
	if err != nil || !ok {
		return false, err
	}
	// The once-mark is checked first and set only after the digest is
	// queued: a failure in between leaves it to the next tick instead of
	// losing the period's digest. The outbox key makes a race harmless.
	done, err := d.cfg.Store.OnceDone(ctx, "hr-digest:"+period)
	if err != nil || done {
		return false, err
	}
	text, err := d.build(ctx, day, period)
	if err != nil {
		return false, err
	}
	a := Action{Kind: ActDigest, Key: "digest/" + period, Time: now, Content: text}
	payload, err := json.Marshal(a)
	if err != nil {
		return false, err
	}
	added, err := d.cfg.Store.Enqueue(ctx, a.Key, payload, now)
	if err != nil {
		return false, err
	}
	if _, err := d.cfg.Store.MarkOnce(ctx, "hr-digest:"+period, 8*24*time.Hour); err != nil {
		return false, err
	}
	d.cfg.Logger.Info().Str("period", period).Bool("queued", added).Msg("hr digest")
	return added, nil
}

// build writes the digest in markdown: counts by category, department and
// chat, repeat offenders and open cases, for the days before today.
func (d *Digester) build(ctx context.Context, today time.Time, period string) (string, error) {
	days := int(d.cfg.Every / (24 * time.Hour))
	stats, err := d.cfg.Store.Stats(ctx, today.AddDate(0, 0, -1), days)
	if err != nil {
		return "", err
	}
	var total int64
	cats, chats, users, depts := map[string]int64{}, map[string]int64{}, map[string]int64{}, map[string]int64{}
	for _, s := range stats {
		total += s.Total
		for k, v := range s.ByCategory {
			cats[k] += v
		}
		for k, v := range s.ByChat {
			chats[k] += v
		}
		for k, v := range s.ByUser {
			users[k] += v
		}
	}
	for u, n := range users {
		dept, ok, err := d.cfg.Store.CachedDepartment(ctx, u)
		if err != nil {
			return "", err
		}
		if !ok {
			dept = "未知"
		}
		depts[dept] += n
	}
	open, err := d.cfg.Store.Cases(ctx, false, 100)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**企业微信使用规范日报（%s）**\n", period)
	fmt.Fprintf(&b, ">违规 %d 条，未结案件 %d 件\n", total, len(open))
	// The counts are of violations that stand; the false alarms of the
	// same days (withdrawn: 误报, 申诉通过) are counted apart.
	if fs, ok := d.cfg.Store.(interface {
		FalseAlarmStats(ctx context.Context, now time.Time, days int) (store.FalseAlarmCounts, error)
	}); ok {
		fa, err := fs.FalseAlarmStats(ctx, today.AddDate(0, 0, -1), days)
		if err != nil {
			return "", err
		}
		if fa.Total > 0 {
			fmt.Fprintf(&b, ">另有 %d 条经核实为误报，已撤销，不计入以上统计\n", fa.Total)
		}
	}
	section := func(title string, m map[string]int64, label func(string) string, n int) {
		if len(m) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n**%s**\n", title)
		for _, it := range top(m, n) {
			fmt.Fprintf(&b, ">%s：%d\n", label(it.name), it.count)
		}
	}
	same := func(s string) string { return s }
	label := categoryLabel
	if d.cfg.Labels != nil {
		rs := d.cfg.Labels()
		label = func(c string) string {
			for _, rc := range rs.Categories {
				if rc.Name == c && rc.Label != "" {
					return rc.Label
				}
			}
			return categoryLabel(c)
		}
	}
	section("按类别", cats, label, 10)
	deptNames := map[string]string{}
	if dn, ok := d.cfg.Store.(interface {
		DepartmentNames(ctx context.Context, ids []string) (map[string]string, error)
	}); ok && len(depts) > 0 {
		// WeCom's names (department/get, kept by the sender); a failure
		// leaves the ids, which still say which department.
		ids := make([]string, 0, len(depts))
		for id := range depts {
			ids = append(ids, id)
		}
		if got, err := dn.DepartmentNames(ctx, ids); err == nil {
			deptNames = got
		}
	}
	section("按部门", depts, func(s string) string {
		if n := deptNames[s]; n != "" {
			return n
		}
		return "部门 " + s
	}, 5)
	section("按群聊", chats, func(s string) string {
		if s == "-" {
			return "单聊/应用消息"
		}
		return s
	}, 5)
	repeat := map[string]int64{}
	for u, n := range users {
		if n >= 2 {
			repeat[u] = n
		}
	}
	section("多次违规成员", repeat, same, 10)
	if len(open) > 0 {
		b.WriteString("\n**未结案件**\n")
		for i, c := range open {
			if i == 5 {
				fmt.Fprintf(&b, ">……共 %d 件，请在管理后台处理\n", len(open))
				break
			}
			fmt.Fprintf(&b, ">%s %s %s，建议：%s\n", c.ID, c.User, label(c.Category), c.Suggested)
		}
	}
	out := b.String()
	const cut = "\n>……（已截断，详见管理后台）"
	if len(out) > maxContent {
		out = out[:strings.LastIndex(out[:maxContent-len(cut)], "\n")] + cut
	}
	return out, nil
}

type counted struct {
	name  string
	count int64
}

func top(m map[string]int64, n int) []counted {
	out := make([]counted, 0, len(m))
	for k, v := range m {
		out = append(out, counted{k, v})
	}
	slices.SortFunc(out, func(a, b counted) int {
		if c := cmp.Compare(b.count, a.count); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	return out[:min(n, len(out))]
}
