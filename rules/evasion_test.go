package rules

import (
	"slices"
	"strings"
	"testing"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// This file measures detection per family of issue 9: recall on the
// evasions of testdata/evasions-zh.txt and the false-alarm rate on the
// traps of testdata/traps-zh.txt. Each family has a floor (recall) or a
// ceiling (false alarms) at what the matcher reaches today, so a change
// that loses ground fails; the log prints every family's figure and the
// examples it misses, which is what to work on next.

// family is one line of testdata/evasions-zh.txt or traps-zh.txt.
type familyLine struct {
	family string
	text   string
}

func readFamilies(t testing.TB, path string) []familyLine {
	t.Helper()
	var out []familyLine
	for _, l := range readLines(t, path) {
		family, text, ok := strings.Cut(l, "\t")
		if !ok {
			t.Fatalf("%s: line %q has no TAB", path, l)
		}
		out = append(out, familyLine{family, text})
	}
	return out
}

// detectorFamilies are the evasion families of a detector: caught when the
// detector reports the finding (held or not: the default policy watches
// e-mail addresses and links in shadow mode), in the chat kind where the
// default policy has a rule for it. Every other family is caught when the
// default policy acts on the message in a work group.
var detectorFamilies = map[string]struct {
	kind moderation.Kind
	chat ChatKind
}{
	"dingbat-digits": {moderation.KindPhone, ChatWork},
	"radio-numerals": {moderation.KindPhone, ChatWork},
	"ol-digits":      {moderation.KindPhone, ChatWork},
	"grouped-phone":  {moderation.KindPhone, ChatWork},
	"email":          {moderation.KindEmail, ChatExternal},
	"url":            {moderation.KindURL, ChatWork},
	"solicitation":   {moderation.KindWeChatID, ChatWork},
	"tonghao":        {moderation.KindWeChatID, ChatWork},
}

// evasionFloors are the recalls (in percent) reached on the evasion table;
// a family below its floor fails. Families not listed must reach 100.
// Where a floor is below 100 the log names the examples missed and
// rules/MEASURED.md says why (a word the default lists do not hold, such as
// 他妈的 behind tmd and 特么的, costs too many false alarms on ordinary chat).
var evasionFloors = map[string]int{
	"initials":   96, // tmd: 他妈的 is in no default list (32 lines of the benign corpus, TMD 4)
	"line-break": 95, // 今晚来玩百家\n乐吧: 百家 + 乐吧 read as ordinary words across the break
	// The red team's held-out set (red9):
	"ol-digits": 95, // l38OOl38OOO: 7 of 11 digits as letters, below the detectors' gate of 5 digits a message
	// The second red team's held-out set (red9b), see rules/MEASURED.md:
	"pinyin":         98, // mai dama: drugs.txt has no pinyin on purpose (bingdu is also 病毒, policy.yaml)
	"near-homophone": 97, // 资障 for 智障: insults.txt has no homophones on purpose (见人 for 贱人)
	// Plain ads (lead26 and its review revtg, rules/MEASURED.md): most ads
	// carry one or two pitch words and no listed phrase (投资虚拟币，三天
	// 翻倍; 跑腿兼职，时间自由，日结), below pitch.txt's threshold of three;
	// pitch.txt holds no word of an industry's own talk (年化, 保本, 计件,
	// 提现, 佣金), which bank, factory and shop messages hold three of. 50 of
	// the 150 were written against an earlier, wider list.
	"plain-ads": 46,
	// Branch fill: 有人手仓去力了 (抢劫): 人手 ("manpower") across the front
	// edge is an ordinary reading of the split form (ordinaryLookalike).
	"split": 99,
}

func caught(e *Engine, fl familyLine) (bool, Verdict) {
	if d, ok := detectorFamilies[fl.family]; ok {
		v := e.Evaluate(fl.text, Context{ChatKind: d.chat, Explain: true})
		return slices.ContainsFunc(v.Hits, func(h Hit) bool { return h.Kind == d.kind }), v
	}
	v := e.Evaluate(fl.text, Context{ChatKind: ChatWork, Explain: true})
	return v.Action != ActionNone, v
}

// TestEvasions prints the recall of every evasion family of issue 9 (each
// with at least ten examples) and fails when one falls below its floor.
func TestEvasions(t *testing.T) {
	e := defaultEngine(t)
	var order []string
	total, hit := map[string]int{}, map[string]int{}
	missed := map[string][]string{}
	for _, fl := range readFamilies(t, "testdata/evasions-zh.txt") {
		if total[fl.family] == 0 {
			order = append(order, fl.family)
		}
		total[fl.family]++
		ok, v := caught(e, fl)
		if ok {
			hit[fl.family]++
			continue
		}
		var why []string
		for _, h := range v.Hits {
			why = append(why, h.Explanation)
		}
		missed[fl.family] = append(missed[fl.family], fl.text+" "+strings.Join(why, "; "))
	}
	all, allHit := 0, 0
	for _, f := range order {
		n, k := total[f], hit[f]
		all, allHit = all+n, allHit+k
		pct := 100 * k / n
		t.Logf("%-16s recall %3d%% (%2d of %2d)", f, pct, k, n)
		for _, m := range missed[f] {
			t.Logf("    missed: %q", m)
		}
		if n < 10 {
			t.Errorf("family %s has %d examples, want at least 10", f, n)
		}
		floor, ok := evasionFloors[f]
		if !ok {
			floor = 100
		}
		if pct < floor {
			t.Errorf("family %s: recall %d%% is below its floor of %d%%", f, pct, floor)
		}
	}
	t.Logf("all families: %d of %d caught", allHit, all)
}

// trapCeilings are the false-alarm rates (in percent) allowed per trap
// family; families not listed must stay at 0. See rules/MEASURED.md.
var trapCeilings = map[string]int{
	// 请李援交一下周报 (援交): a name (李援) followed by 交 (hand in); gse's
	// dictionary has no personal names, so no word crosses the keyword's
	// edge. 1 of 118 (the red team's 27, prec9's held-out 43 and its second
	// set of 17, red9c's 31). The red team's four (印刷单页, 拉票据, 买大麻袋, 卖大麻绳)
	// fell when a word across the keyword's edge became a reading of its
	// own (crossesEdge).
	"inside-word": 2,
	// 渠道：厂家 直销 (厂家直销): the keyword is one word of gse's dictionary,
	// so a space inside it is read as noise inside a word (as in 兼 职).
	// 1 of 110 (red9c's 26 included).
	"across-punctuation": 2,
	// Talk about ads, which the context rules do not read as a warning or
	// an audit (股票群里老师带单喊单的都是骗子; 电商部本月刷单检查结果已上报;
	// 竞品分析：对方主打零门槛、零成本加盟，总部扶持), and an agency's own
	// job (客户要招学生兼职和宝妈做问卷，日结). 5 of 123; the reviewer's 58
	// stress lines hold three or more words of an earlier pitch.txt each.
	"business-talk": 5,
	// Branch fill, the split-only lists: 木仓 is also a wooden granary
	// (请把木仓门锁好, 木仓和铁仓的区别), and 女表子公司 (a watch maker's
	// subsidiary) keeps 女表子 for 婊子 because its 子 is written as listed.
	// 3 of 33; none of these bigrams is on the benign corpus (木仓 0 of
	// 248,491 lines, 女表子 0).
	"split-only-parts": 10,
}

// TestFalseAlarmTraps prints the false-alarm rate of every trap family of
// issue 9 (ordinary work chat that looks like a hit) in a work group and
// a customer group, and fails when one rises above its ceiling.
func TestFalseAlarmTraps(t *testing.T) {
	e := defaultEngine(t)
	var order []string
	total, fired := map[string]int{}, map[string]int{}
	for _, fl := range readFamilies(t, "testdata/traps-zh.txt") {
		if total[fl.family] == 0 {
			order = append(order, fl.family)
		}
		total[fl.family]++
		for _, kind := range []ChatKind{ChatWork, ChatExternal} {
			v := e.Evaluate(fl.text, Context{ChatKind: kind, Explain: true})
			if v.Action == ActionNone {
				continue
			}
			fired[fl.family]++
			for _, h := range v.Hits {
				if !h.Shadow {
					t.Logf("    %s: false alarm in a %s chat on %q: %s", fl.family, kind, fl.text, h.Explanation)
				}
			}
			break
		}
	}
	for _, f := range order {
		n, k := total[f], fired[f]
		pct := 100 * k / n
		t.Logf("%-22s false alarms %3d%% (%2d of %2d)", f, pct, k, n)
		if n < 10 {
			t.Errorf("trap family %s has %d examples, want at least 10", f, n)
		}
		if pct > trapCeilings[f] {
			t.Errorf("trap family %s: false alarms %d%% above its ceiling of %d%%", f, pct, trapCeilings[f])
		}
	}
}

// TestContextRulesRecall measures what the context rules cost on evasions:
// none of the hits on the evasion table may be lowered by a context rule
// (the decoys, 不要犹豫，兼职刷单日结, included).
func TestContextRulesRecall(t *testing.T) {
	e := defaultEngine(t)
	lowered, total := 0, 0
	for _, fl := range readFamilies(t, "testdata/evasions-zh.txt") {
		v := e.Evaluate(fl.text, Context{ChatKind: ChatWork})
		for _, h := range v.Hits {
			total++
			if h.Context == "" {
				continue
			}
			lowered++
			t.Errorf("%s: %q: hit %q lowered by context rule %q", fl.family, fl.text, h.Masked, h.Context)
		}
	}
	t.Logf("context rules lowered %d of %d hits on the evasions", lowered, total)
}
