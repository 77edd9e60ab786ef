package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/rules"
)

// ActReport is a member's report (举报) of a group message, delivered to
// the group's owner (HR when the owner is unknown or is the reporter).
// Its From is the reporter; Evidence holds one masked excerpt of the
// reported message; Categories are what the policy finds in it (may be empty).
const ActReport ActionKind = "report"

// Defaults of the intelligent bot.
const (
	// DefaultReportLimit reports per member in DefaultReportWindow.
	DefaultReportLimit  = 5
	DefaultReportWindow = time.Hour
	// DefaultRecordLimit is how many violations "我的记录" lists.
	DefaultRecordLimit = 10
	// reportExcerpt bounds the reported text quoted to the owner (runes):
	// enough to judge, and one alert stays well inside WeCom's 2048 bytes.
	reportExcerpt = 200
)

// The bot's answers.
const (
	replyReported   = "已转告群主，感谢您的举报。"
	replyNoTarget   = "请引用要举报的消息并 @我 发送「举报」，或在「举报」后写明要举报的内容。"
	replyReportDM   = "举报需在群聊中进行：请在群里引用要举报的消息并 @我 发送「举报」。"
	replyRecordsDM  = "为保护您的隐私，请私聊我发送「我的记录」查看。"
	replyNoRecords  = "您近期没有违规记录。"
	replyNoPolicy   = "暂时无法读取公司企业微信使用规范，请稍后再试。"
	replyReportFull = "您在%s内的举报次数已达上限（%d 次），请稍后再试。"
	replyAppealDM   = "为保护您的隐私，请私聊我发送「申诉 记录编号 理由」。"
)

// helpText answers unknown commands and the welcome event.
const helpText = "我是企业微信使用规范助手，可以：\n" +
	"- 引用一条消息并 @我 发送「举报」：转告群主\n" +
	"- 发送「我的记录」：查看您自己的违规记录（请私聊我）\n" +
	"- 发送「规则」：查看公司企业微信使用规范摘要\n" +
	"- 发送「申诉 记录编号 理由」：对违规提醒提出申诉（请私聊我）"

// AIBotStore is what the intelligent bot keeps in Redis (bot/store).
type AIBotStore interface {
	TakeReportSlot(ctx context.Context, user, eventID string, now time.Time, window time.Duration, limit int) (bool, error)
	UserViolations(ctx context.Context, user string, limit int) ([]store.Violation, error)
	Enqueue(ctx context.Context, key string, payload []byte, now time.Time) (bool, error)
}

// AIBotConfig holds the intelligent bot's dependencies and limits.
type AIBotConfig struct {
	// Pipeline moderates every message the bot sees.
	Pipeline *Pipeline
	Store    AIBotStore
	// KindOf says what kind of group a chat is; nil, or a zero answer,
	// means a work group.
	KindOf func(chatID string) rules.ChatKind
	// Policy returns the rule set in force, summarised by "规则".
	Policy func() *rules.RuleSet
	// Mention is the bot's display name. A group message starts with
	// "@Mention"; names with spaces are only stripped when given here.
	Mention string
	// ReportLimit reports per member within ReportWindow
	// (DefaultReportLimit, DefaultReportWindow).
	ReportLimit  int
	ReportWindow time.Duration
	// RecordLimit is how many violations "我的记录" lists (DefaultRecordLimit).
	RecordLimit int
	// Review files "申诉" (appeals); nil answers them with the help.
	Review *Reviewer
	Now    func() time.Time
}

// AIBot answers the intelligent bot (智能机器人): it moderates what members
// write to it and runs their commands.
type AIBot struct{ cfg AIBotConfig }

// NewAIBot returns an intelligent bot.
func NewAIBot(cfg AIBotConfig) (*AIBot, error) {
	if cfg.Pipeline == nil || cfg.Store == nil || cfg.Policy == nil {
		return nil, fmt.Errorf("new aibot: Pipeline, Store and Policy are required: %w", ErrInvalid)
	}
	if cfg.ReportLimit <= 0 {
		cfg.ReportLimit = DefaultReportLimit
	}
	if cfg.ReportWindow <= 0 {
		cfg.ReportWindow = DefaultReportWindow
	}
	if cfg.RecordLimit <= 0 {
		cfg.RecordLimit = DefaultRecordLimit
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &AIBot{cfg: cfg}, nil
}

// command is what a member asked the bot to do.
type command int

const (
	cmdHelp command = iota
	cmdReport
	cmdRecords
	cmdRules
	cmdAppeal
)

// parseCommand finds the command in what a member wrote: in a group the
// leading @mentions are dropped first. arg is the text after 举报.
func parseCommand(content, mention string, group bool) (command, string) {
	s := strings.TrimSpace(content)
	if group {
		s = stripMentions(s, mention)
	}
	trimmed := strings.TrimRightFunc(s, isCommandTail)
	switch {
	case strings.HasPrefix(s, "举报"):
		arg := strings.TrimLeftFunc(strings.TrimPrefix(s, "举报"), func(r rune) bool {
			return unicode.IsSpace(r) || r == ':' || r == '：' || r == ','
		})
		return cmdReport, strings.TrimSpace(arg)
	case strings.HasPrefix(s, "申诉") || strings.HasPrefix(s, "我要申诉"):
		return cmdAppeal, s
	case trimmed == "我的记录" || trimmed == "我的违规记录":
		return cmdRecords, ""
	case trimmed == "规则" || trimmed == "规范":
		return cmdRules, ""
	}
	return cmdHelp, ""
}

func isCommandTail(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsPunct(r)
}

// stripMentions drops the @mentions that start a group message. WeCom puts
// a space (often U+2005) after each; the bot's own name is matched whole
// first, since it may itself contain spaces.
func stripMentions(s, mention string) string {
	for {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		if !strings.HasPrefix(s, "@") {
			return s
		}
		if mention != "" && strings.HasPrefix(s, "@"+mention) {
			s = s[len("@"+mention):]
			continue
		}
		i := strings.IndexFunc(s, unicode.IsSpace)
		if i < 0 {
			return ""
		}
		s = s[i:]
	}
}

// HandleAIBot moderates one intelligent-bot message through the pipeline
// and answers its command. reply is the markdown to answer with ("" for
// nothing). The error wraps ErrUnavailable when Redis failed, so the
// callback is not acknowledged and WeCom retries; commands are idempotent by
// msgid, so a retry neither reports twice nor counts twice.
func (b *AIBot) HandleAIBot(ctx context.Context, m *wecom.AIBotMessage) (string, error) {
	if m == nil {
		return "", fmt.Errorf("handle aibot message: nil message: %w", ErrInvalid)
	}
	switch m.MsgType {
	case wecom.AIBotEvent:
		if m.EventType() == "enter_chat" {
			return helpText, nil
		}
		return "", nil
	case wecom.AIBotStream:
		// A refresh of a stream: every reply of this bot is finished at
		// once, so there is nothing more to send.
		return "", nil
	}
	if m.MsgID == "" || m.From.UserID == "" {
		return "", fmt.Errorf("handle aibot message: no msgid or from.userid: %w", ErrInvalid)
	}
	content := m.Content()
	cmd, arg := parseCommand(content, b.cfg.Mention, m.IsGroup())

	now := b.cfg.Now()
	msg := Message{
		ID: aibotMessageID(m.MsgID), Source: SourceAIBot, From: m.From.UserID,
		ChatKind: rules.ChatDirect, Text: content, Time: now,
	}
	if m.CreateTime > 0 {
		msg.Time = time.Unix(m.CreateTime, 0)
	}
	if m.IsGroup() {
		msg.ChatID = m.ChatID
		msg.ChatKind = b.kindOf(m.ChatID)
	}
	if cmd == cmdReport || cmd == cmdAppeal {
		// The reporter repeats or quotes what they report, an appeal what
		// was flagged: that is not their own violation, so only the
		// command itself is checked.
		msg.Text = ""
	}
	if _, err := b.cfg.Pipeline.Process(ctx, msg); err != nil {
		return "", err
	}

	switch cmd {
	case cmdReport:
		return b.report(ctx, m, msg, arg)
	case cmdRecords:
		if m.IsGroup() {
			return replyRecordsDM, nil
		}
		return b.records(ctx, msg.From)
	case cmdAppeal:
		return b.appeal(ctx, m, msg, arg)
	case cmdRules:
		rs := b.cfg.Policy()
		if rs == nil {
			return replyNoPolicy, nil
		}
		return policySummary(rs), nil
	}
	return helpText, nil
}

// aibotMessageID is the pipeline id of an intelligent-bot message:
// "aibot:" and the query-escaped msgid (WeCom's ids are base64 with "/" and
// "="), or a hash of an absurdly long one, so a key stays short and clean.
func aibotMessageID(msgID string) string {
	id := "aibot:" + url.QueryEscape(msgID)
	if len(id) <= 200 {
		return id
	}
	sum := sha256.Sum256([]byte(msgID))
	return "aibot:h:" + hex.EncodeToString(sum[:])
}

func (b *AIBot) kindOf(chatID string) rules.ChatKind {
	if b.cfg.KindOf != nil {
		if k := b.cfg.KindOf(chatID); k != 0 {
			return k
		}
	}
	return rules.ChatWork
}

// report queues the reported message for the group owner, within the
// reporter's rate limit.
func (b *AIBot) report(ctx context.Context, m *wecom.AIBotMessage, msg Message, arg string) (string, error) {
	if !m.IsGroup() || m.ChatID == "" {
		return replyReportDM, nil
	}
	reported := m.QuoteText()
	if strings.TrimSpace(reported) == "" {
		reported = arg
	}
	if strings.TrimSpace(reported) == "" {
		return replyNoTarget, nil
	}
	ok, err := b.cfg.Store.TakeReportSlot(ctx, msg.From, msg.ID, msg.Time, b.cfg.ReportWindow, b.cfg.ReportLimit)
	if err != nil {
		return "", fmt.Errorf("report %s: %w: %w", msg.ID, ErrUnavailable, err)
	}
	if !ok {
		return fmt.Sprintf(replyReportFull, windowLabel(b.cfg.ReportWindow), b.cfg.ReportLimit), nil
	}
	v := b.cfg.Pipeline.cfg.Checker().Evaluate(reported, rules.Context{ChatKind: msg.ChatKind, Time: msg.Time})
	a := Action{
		MsgID: msg.ID, From: msg.From, ChatID: msg.ChatID, ChatKind: msg.ChatKind.String(), Time: msg.Time,
		Evidence: []string{maskedExcerpt(reported, v, reportExcerpt)},
	}
	for _, c := range foldCategories(v) {
		a.Categories = append(a.Categories, c.name)
	}
	if len(a.Categories) > 0 {
		a.Severity = v.Severity.String()
	}
	a = a.as(ActReport)
	payload, err := json.Marshal(a)
	if err != nil {
		return "", fmt.Errorf("encode action %s: %w", a.Key, err)
	}
	if _, err := b.cfg.Store.Enqueue(ctx, a.Key, payload, b.cfg.Now()); err != nil {
		return "", fmt.Errorf("report %s: %w: %w", msg.ID, ErrUnavailable, err)
	}
	return replyReported, nil
}

// windowLabel says a window in words: "7天", "24小时", "30分钟".
func windowLabel(d time.Duration) string {
	if d >= 48*time.Hour && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d天", d/(24*time.Hour))
	}
	if d >= time.Hour && d%time.Hour == 0 {
		return fmt.Sprintf("%d小时", d/time.Hour)
	}
	return fmt.Sprintf("%d分钟", max(1, d/time.Minute))
}

// maskedExcerpt is text with every hit (shadow ones too: an e-mail address
// is personal data even where it is only observed) replaced by its masked
// evidence, then scrubbed (every e-mail address and long digit run masked,
// found by a rule or not), cut to limit runes.
func maskedExcerpt(text string, v rules.Verdict, limit int) string {
	hits := slices.Clone(v.Hits)
	// Longest first among hits starting together; a hit reaching past the
	// span already masked has its remainder starred, never shown raw.
	slices.SortStableFunc(hits, func(a, b rules.Hit) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return b.End - a.End
	})
	runes := []rune(text)
	var out strings.Builder
	pos := 0
	for _, h := range hits {
		if h.End > len(runes) || h.Start >= h.End || h.End <= pos {
			continue // out of range, or inside a span already masked
		}
		if h.Start < pos {
			out.WriteString(strings.Repeat("*", h.End-pos))
			pos = h.End
			continue
		}
		out.WriteString(string(runes[pos:h.Start]))
		out.WriteString(h.Masked)
		pos = h.End
	}
	out.WriteString(string(runes[pos:]))
	// Masked before it is cut, so a cut never leaves part of a number raw.
	s := scrub(strings.Join(strings.Fields(out.String()), " "))
	if utf8.RuneCountInString(s) > limit {
		s = string([]rune(s)[:limit]) + "…"
	}
	return s
}

// appeal files the member's 申诉, privately only: the reference may come
// from a quoted warning.
func (b *AIBot) appeal(ctx context.Context, m *wecom.AIBotMessage, msg Message, text string) (string, error) {
	if b.cfg.Review == nil {
		return helpText, nil
	}
	if m.IsGroup() {
		return replyAppealDM, nil
	}
	ref, reason, _ := parseAppeal(text)
	if ref == "" {
		ref = refIn(m.QuoteText())
	}
	return b.cfg.Review.FileAppeal(ctx, AppealRequest{User: msg.From, Ref: ref, Reason: reason, Source: AppealFromAIBot, MsgID: msg.ID})
}

// records lists the member's own recent violations, masked.
func (b *AIBot) records(ctx context.Context, user string) (string, error) {
	vs, err := b.cfg.Store.UserViolations(ctx, user, b.cfg.RecordLimit)
	if err != nil {
		return "", fmt.Errorf("list records of %q: %w: %w", user, ErrUnavailable, err)
	}
	if len(vs) == 0 {
		return replyNoRecords, nil
	}
	var out strings.Builder
	fmt.Fprintf(&out, "**您最近的违规记录（%d 条）**\n", len(vs))
	for _, v := range vs {
		var cats, evidence []string
		for _, h := range v.Hits {
			if c := categoryLabel(h.Category); !slices.Contains(cats, c) {
				cats = append(cats, c)
			}
			if h.Masked != "" && !slices.Contains(evidence, h.Masked) {
				evidence = append(evidence, h.Masked)
			}
		}
		where := "企业微信"
		if v.ChatID != "" {
			where = "群聊「" + v.ChatID + "」"
		}
		fmt.Fprintf(&out, "- %s 在%s：%s（%s），%s", v.Time.In(shanghai).Format("01-02 15:04"), where,
			strings.Join(cats, "、"), scrub(strings.Join(evidence, "，")), outcomeLabel(v.Action))
		if v.Recalled {
			out.WriteString("（已撤回）")
		}
		if v.Withdrawn != nil {
			out.WriteString("（已撤销：误报）")
		}
		fmt.Fprintf(&out, "（记录 %s）", Ref(v.ID))
		out.WriteString("\n")
	}
	out.WriteString("\n请遵守公司企业微信使用规范；如有异议，请发送「申诉 记录编号 理由」或联系人力资源部。")
	return out.String(), nil
}

// outcomeLabel says what the ladder did about a violation.
func outcomeLabel(action string) string {
	switch action {
	case "warn":
		return "已提醒"
	case "alert_owner":
		return "已通知群主"
	case "escalate_hr":
		return "已上报人力资源部"
	default:
		return "已记录"
	}
}

var chatKindLabels = map[rules.ChatKind]string{
	rules.ChatWork:     "工作群",
	rules.ChatPrivate:  "内部非工作群",
	rules.ChatExternal: "客户群",
	rules.ChatDirect:   "单聊",
	rules.ChatProfile:  "昵称",
}

var actionLabels = map[rules.Action]string{
	rules.ActionLog:        "记录",
	rules.ActionWarn:       "私下提醒",
	rules.ActionAlertOwner: "通知群主",
	rules.ActionEscalateHR: "上报人力资源部",
}

// policySummary is the "规则" answer: each category of the policy in the
// words of its label and description, where its enforced rules apply and
// what they do, then the escalation ladder. Shadow rules (observed, not
// enforced) are left out, and so are categories no enforced rule uses.
func policySummary(rs *rules.RuleSet) string {
	var out strings.Builder
	out.WriteString("**公司企业微信使用规范摘要**\n")
	for _, c := range rs.Categories {
		var kinds []rules.ChatKind
		var act rules.Action
		timed := false
		for _, r := range rs.Rules {
			if r.Shadow || (r.Category != c.Name && !slices.Contains(r.Categories, c.Name)) {
				continue
			}
			rk := r.ChatKinds
			if len(rk) == 0 {
				rk = []rules.ChatKind{rules.ChatWork, rules.ChatPrivate, rules.ChatExternal, rules.ChatDirect}
			}
			for _, k := range rk {
				if !slices.Contains(kinds, k) {
					kinds = append(kinds, k)
				}
			}
			act = max(act, r.Action)
			timed = timed || len(r.Windows) > 0
		}
		if len(kinds) == 0 {
			continue
		}
		slices.Sort(kinds)
		label := c.Label
		if label == "" || label == c.Name {
			label = categoryLabel(c.Name)
		}
		where := make([]string, len(kinds))
		for i, k := range kinds {
			where[i] = chatKindLabels[k]
		}
		fmt.Fprintf(&out, "- **%s**：", label)
		if c.Description != "" {
			out.WriteString(c.Description)
		}
		fmt.Fprintf(&out, "（适用于%s", strings.Join(where, "、"))
		if timed {
			out.WriteString("，仅工作时间")
		}
		if l := actionLabels[act]; l != "" {
			fmt.Fprintf(&out, "；违者%s", l)
		}
		out.WriteString("）\n")
	}
	out.WriteString("\n" + ladderSummary(rs.Ladder))
	return out.String()
}

// ladderSummary says the escalation ladder in words.
func ladderSummary(l rules.Ladder) string {
	if l.ShortWindow <= 0 || l.LongWindow <= 0 {
		l = rules.DefaultLadder()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "同一类别的违规：%s内 %d 次通知群主，%s内 %d 次上报人力资源部。",
		windowLabel(l.ShortWindow), l.OwnerAfter, windowLabel(l.LongWindow), l.HRAfter)
	if len(l.Sanctions) > 0 {
		steps := make([]string, len(l.Sanctions))
		for i, s := range l.Sanctions {
			steps[i] = fmt.Sprintf("%d 次%s", s.At, s.Sanction)
		}
		fmt.Fprintf(&b, "\n建议处理逐级升级：%s；停用账号、解除劳动合同由人力资源部决定，机器人从不执行。", strings.Join(steps, " → "))
	}
	return b.String()
}

// reportRecipient resolves who gets a report: the group's owner, or HR when
// the owner is unknown or is the reporter — the same as an owner alert.
// The sender's recipient() calls it for ActReport.
func (s *Sender) reportRecipient(ctx context.Context, a Action) (string, error) {
	alert := a
	alert.Kind = ActAlertOwner
	return s.recipient(ctx, alert)
}

// renderReport builds the owner's message for one report, or a digest of
// several. render() calls it for ActReport. The excerpt is scrubbed again:
// a report queued by an older version may carry digits a rule missed.
func renderReport(acts []Action) string {
	var b strings.Builder
	if len(acts) == 1 {
		a := acts[0]
		judged := "未发现明显违规，请人工核实"
		if len(a.Categories) > 0 {
			judged = categoryLabels(a.Categories)
		}
		fmt.Fprintf(&b, "**成员举报**\n>举报人：%s\n>位置：%s\n>被举报内容：%s\n>系统判断：%s\n\n请核实并处理；举报人信息请注意保密。",
			a.who(), a.where(), scrub(strings.Join(a.Evidence, " ")), judged)
		return b.String()
	}
	fmt.Fprintf(&b, "**成员举报汇总（%d 条）**\n", len(acts))
	for _, a := range acts {
		fmt.Fprintf(&b, ">%s %s 在%s举报：%s", a.Time.In(shanghai).Format("01-02 15:04"), a.who(), a.where(),
			scrub(strings.Join(a.Evidence, " ")))
		if len(a.Categories) > 0 {
			fmt.Fprintf(&b, "（%s）", categoryLabels(a.Categories))
		}
		b.WriteString("\n")
	}
	return b.String()
}
