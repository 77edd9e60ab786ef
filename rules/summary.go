package rules

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// zhChatKinds and zhActions are the words employees read for chat kinds
// and actions.
var (
	zhChatKinds = [...]string{
		ChatWork:     "工作群",
		ChatPrivate:  "内部非工作群",
		ChatExternal: "客户群",
		ChatDirect:   "单聊",
		ChatProfile:  "昵称",
	}
	zhActions = [...]string{
		ActionNone:       "",
		ActionLog:        "记录在案",
		ActionWarn:       "私下提醒",
		ActionAlertOwner: "通知群主",
		ActionEscalateHR: "上报人力资源部",
	}
	zhWeekdays = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}
)

// Summary is a short summary of the policy in Chinese, for employees who
// ask the bot "规则": each category with its description, where its
// enforced rules apply and what they do, then the escalation ladder.
// Shadow rules (observed, not enforced) are left out. The default policy's
// summary fits one WeCom text message (2048 bytes).
func (rs *RuleSet) Summary() string {
	var b strings.Builder
	b.WriteString("公司企业微信使用规范摘要\n")
	for i, c := range rs.Categories {
		label := c.Label
		if label == "" {
			label = c.Name
		}
		fmt.Fprintf(&b, "%d. %s：", i+1, label)
		if d := c.Description; d != "" {
			b.WriteString(d)
			if !strings.HasSuffix(d, "。") && !strings.HasSuffix(d, "！") && !strings.HasSuffix(d, ".") {
				b.WriteString("。")
			}
		}
		clauses, watched := rs.categoryClauses(c.Name)
		switch {
		case len(clauses) > 0:
			b.WriteString(strings.Join(clauses, "；"))
			b.WriteString("。")
		case watched:
			b.WriteString("目前只观察，不处理。")
		default:
			b.WriteString("暂未启用。")
		}
		b.WriteString("\n")
	}
	b.WriteString(rs.Ladder.summary())
	return b.String()
}

// categoryClauses says, for the enforced rules of category cat, where they
// apply and what they do ("工作群、客户群中违者私下提醒"), rules of one action
// and time windows merged; watched reports a shadow or do-nothing rule.
func (rs *RuleSet) categoryClauses(cat string) (clauses []string, watched bool) {
	type group struct {
		action  Action
		windows string
		kinds   []ChatKind
		subject string // what a rule on the company's own data is about
	}
	var groups, data []group
	for _, r := range rs.Rules {
		if r.Category != cat && !slices.Contains(r.Categories, cat) &&
			!slices.ContainsFunc(r.Lists, func(l string) bool { return strings.HasPrefix(l, cat+"/") }) {
			continue
		}
		if r.Shadow || r.Action == ActionNone {
			watched = true
			continue
		}
		var windows string
		if len(r.Windows) > 0 {
			ws := make([]string, len(r.Windows))
			for i, w := range r.Windows {
				ws[i] = zhWindow(w)
			}
			windows = "（" + strings.Join(ws, "，") + "）"
		}
		kinds := r.ChatKinds
		if len(kinds) == 0 {
			kinds = []ChatKind{ChatWork, ChatPrivate, ChatExternal, ChatDirect, ChatProfile}
		}
		gs, subject := &groups, dataSubject(&r)
		if subject != "" {
			gs = &data // said after the general clauses, about that data only
		}
		gi := slices.IndexFunc(*gs, func(g group) bool {
			return g.action == r.Action && g.windows == windows && g.subject == subject
		})
		if gi < 0 {
			*gs = append(*gs, group{action: r.Action, windows: windows, subject: subject})
			gi = len(*gs) - 1
		}
		(*gs)[gi].kinds = append((*gs)[gi].kinds, kinds...)
	}
	for _, g := range groups {
		clauses = append(clauses, zhWhere(g.kinds)+g.windows+"违者"+zhActions[g.action])
	}
	for _, g := range data {
		clauses = append(clauses, zhWhere(g.kinds)+g.windows+g.subject+"的"+zhActions[g.action])
	}
	return clauses, watched
}

// dataSubject says what a rule matching only the company's own data
// (customer records, protected documents) is about, or "" for other rules.
func dataSubject(r *Rule) string {
	if len(r.Detectors) == 0 || len(r.Categories)+len(r.Lists)+len(r.Regexps) > 0 {
		return ""
	}
	var rec, doc bool
	for _, k := range r.Detectors {
		switch k {
		case moderation.KindCustomerRecord:
			rec = true
		case moderation.KindDocument:
			doc = true
		default:
			return ""
		}
	}
	switch {
	case rec && doc:
		return "发布本公司真实客户信息或保密文件内容"
	case rec:
		return "发布本公司真实客户信息"
	}
	return "复制受保护保密文件内容"
}

// zhWhere names the chat kinds of a rule ("工作群、客户群中").
func zhWhere(kinds []ChatKind) string {
	sorted := slices.Clone(kinds)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	messages := []ChatKind{ChatWork, ChatPrivate, ChatExternal, ChatDirect}
	var names []string
	if len(sorted) > 0 && !slices.ContainsFunc(messages, func(k ChatKind) bool { return !slices.Contains(sorted, k) }) {
		names = append(names, "所有会话")
		sorted = slices.DeleteFunc(sorted, func(k ChatKind) bool { return slices.Contains(messages, k) })
	}
	for _, k := range sorted {
		if int(k) < len(zhChatKinds) && zhChatKinds[k] != "" {
			names = append(names, zhChatKinds[k])
		}
	}
	if len(names) == 2 && names[0] == "所有会话" {
		return names[0] + "和" + names[1] + "中"
	}
	return strings.Join(names, "、") + "中"
}

// zhWindow writes a time window in Chinese: "周一至周五 09:00-18:00".
func zhWindow(w Window) string {
	var parts []string
	if w.days&0x7f != 0x7f {
		// Runs of days in Monday-first order.
		order := [...]int{1, 2, 3, 4, 5, 6, 0}
		var days []string
		for i := 0; i < len(order); {
			if w.days&(1<<order[i]) == 0 {
				i++
				continue
			}
			j := i
			for j+1 < len(order) && w.days&(1<<order[j+1]) != 0 {
				j++
			}
			switch {
			case j-i >= 2:
				days = append(days, zhWeekdays[order[i]]+"至"+zhWeekdays[order[j]])
			default:
				for k := i; k <= j; k++ {
					days = append(days, zhWeekdays[order[k]])
				}
			}
			i = j + 1
		}
		parts = append(parts, strings.Join(days, "、"))
	} else if w.start == 0 && w.end == 24*60 {
		return "全天"
	} else {
		parts = append(parts, "每天")
	}
	if w.start != 0 || w.end != 24*60 {
		parts = append(parts, fmt.Sprintf("%02d:%02d-%02d:%02d", w.start/60, w.start%60, w.end/60, w.end%60))
	}
	return strings.Join(parts, " ")
}

// summary says the ladder in Chinese.
func (l Ladder) summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "多次违规逐级处理：同一类别 %s内违规 %d 次通知群主，%s内违规 %d 次上报人力资源部并立案；严重违规直接上报人力资源部。\n",
		zhDuration(l.ShortWindow), l.OwnerAfter, zhDuration(l.LongWindow), l.HRAfter)
	if len(l.Sanctions) > 0 {
		steps := make([]string, len(l.Sanctions))
		for i, s := range l.Sanctions {
			steps[i] = fmt.Sprintf("第 %d 次起%s", s.At, s.Sanction)
		}
		fmt.Fprintf(&b, "%s内累计违规的建议处分：%s；处分由人力资源部决定。", zhDuration(l.LongWindow), strings.Join(steps, "，"))
	}
	return b.String()
}

// zhDuration writes a window in Chinese: "24 小时", "7 天", "90 分钟".
func zhDuration(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d >= 2*day && d%day == 0:
		return fmt.Sprintf("%d 天", d/day)
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%d 小时", d/time.Hour)
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%d 分钟", d/time.Minute)
	default:
		return formatWindow(d)
	}
}
