// Package moderationtest generates deterministic data for benchmarks and
// tests of the moderation engine (and of packages built on it): a keyword
// lexicon of realistic Chinese words and realistic chat messages. It also
// loads real data named by environment variables for local measurement; that
// data is never part of the repository.
package moderationtest

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
)

// commonHan is a fixed set of frequent Chinese characters the lexicon is
// drawn from.
const commonHan = "的一是不了人我在有他这为之大来以个中上们到说国和地也子时道出而要于就下得可你年生自会那后能对着事其里所去行过家十用发天如然作方成者多日都三小军二无同么经法当起与好看学进种将还分此心前面又定见只主没公从知使头意身全己间高外样正实向把资最相新产接机手开工理情明力重位实物内平现由提体理化通长本美电关期已意路月处级比话员至由加合制都应全建区党别结斗风并务先回造门白利政水战量经" +
	"毒品枪支赌博彩票色情裸聊代开发票假币贷款刷单兼职返利传销诈骗黑客木马翻墙代孕办证窃听监控迷药催情炸药雷管刀具走私洗钱套现色片援交招嫖约炮赌场博彩六合私服外挂病毒钓鱼账号密码信用卡"

// benignFragments returns ordinary work-chat phrases the messages are built from.
func benignFragments() []string {
	return []string{
		"好的收到", "明天上午十点开会", "我在路上了", "这个方案再改一下", "辛苦了", "谢谢大家",
		"周报已经发到群里", "请大家注意查收邮件", "下午三点在二楼会议室", "客户那边还没回复", "我晚点看一下",
		"这个需求排到下周吧", "文档链接在共享盘里", "今天加班吗", "中午一起吃饭", "没问题", "稍等一下我确认下",
		"测试环境又挂了", "麻烦帮忙看看这个问题", "已经提交审批了", "报销单子交给财务了", "这周五团建",
		"新版本上线了请大家验证", "会议纪要我整理好了", "数据报表更新了", "老板说再等等", "项目进度正常",
		"我先下线了", "收到马上处理", "好的我知道了", "这个字段要改名", "接口文档更新了", "发布窗口改到晚上八点",
		"合同模板在附件里", "请假条我已经提交", "明天我休息", "培训材料放到群文件了", "打卡系统有点问题",
		"周一例会取消", "请确认一下排期", "上线前要做回归测试", "OK", "ok👌", "👍", "哈哈哈", "嗯嗯", "好滴",
		"行", "可以的", "这个bug复现了", "PR已经合并", "代码评审约在明天", "用户反馈说页面加载慢",
		"我把日志发你", "服务器内存告警了", "帮我订一下会议室", "快递到前台了", "年会节目报名截止周三",
		"天气太热了", "下雨记得带伞", "咖啡机坏了", "电梯在维修", "停车场满了", "周末愉快",
	}
}

// hitFragments returns phrases carrying something a detector should find.
func hitFragments() []string {
	return []string{
		"我的电话是13812345678", "加我v信：abc12345", "有事打 139 1234 5678", "访问 www.example-shop.cn 领券",
		"邮箱 someone@example.com", "身份证号 11010519491231002X", "加微 wx888888 有优惠",
	}
}

// Lexicon returns n distinct keyword entries generated deterministically
// from seed: Chinese words of 2–6 characters (median 3, about 9 bytes) and a
// few latin and domain-like entries. The first k entries are the same for
// every n ≥ k, so Lexicon(1000, seed) is a prefix of Lexicon(35000, seed).
func Lexicon(n int, seed int64) []string {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	han := []rune(commonHan)
	out := make([]string, 0, n)
	seen := make(map[string]bool, n)
	frags := benignFragments()
	var b strings.Builder
	for len(out) < n {
		b.Reset()
		switch p := rng.IntN(100); {
		case p < 4:
			fmt.Fprintf(&b, "%s%d.%s", latinWord(rng), rng.IntN(1000), []string{"com", "cn", "net", "top", "xyz"}[rng.IntN(5)])
		case p < 7:
			b.WriteString(latinWord(rng))
			b.WriteString(latinWord(rng))
		default:
			l := []int{2, 2, 3, 3, 3, 3, 4, 4, 5, 6}[rng.IntN(10)]
			for range l {
				b.WriteRune(han[rng.IntN(len(han))])
			}
		}
		w := b.String()
		if seen[w] || occursIn(frags, w) {
			continue
		}
		seen[w] = true
		out = append(out, w)
	}
	return out
}

func occursIn(frags []string, w string) bool {
	for _, f := range frags {
		if strings.Contains(f, w) {
			return true
		}
	}
	return false
}

func latinWord(rng *rand.Rand) string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	l := 3 + rng.IntN(5)
	b := make([]byte, l)
	for i := range b {
		b[i] = letters[rng.IntN(len(letters))]
	}
	return string(b)
}

// Messages returns n chat messages generated deterministically from seed:
// mostly benign work chat (median about 36 bytes, about 2% long ones of up to
// 2 KB), with a few carrying a word of Lexicon(1000, seed) or personal data.
func Messages(n int, seed int64) []string {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x2545f4914f6cdd1d))
	words := Lexicon(1000, seed)
	benign, hits := benignFragments(), hitFragments()
	seps := []string{"，", " ", "", "。", "！", "~"}
	out := make([]string, 0, n)
	var b strings.Builder
	for range n {
		b.Reset()
		parts := [...]int{1, 1, 2, 2, 3}[rng.IntN(5)]
		if rng.IntN(50) == 0 {
			parts = 20 + rng.IntN(120)
		}
		for k := range parts {
			if k > 0 {
				b.WriteString(seps[rng.IntN(len(seps))])
			}
			b.WriteString(benign[rng.IntN(len(benign))])
			if b.Len() > 2000 {
				break
			}
		}
		switch p := rng.IntN(100); {
		case p < 3:
			b.WriteString("，")
			b.WriteString(words[rng.IntN(len(words))])
		case p < 5:
			b.WriteString(" ")
			b.WriteString(hits[rng.IntN(len(hits))])
		}
		out = append(out, b.String())
	}
	return out
}

// FromEnv loads the files named by WG_BENCH_LEXICON and WG_BENCH_TEXT (one
// entry / one message a line, empty lines skipped). ok is false when either
// variable is unset or a file cannot be read.
func FromEnv() (lexicon, messages []string, ok bool) {
	lp, tp := os.Getenv("WG_BENCH_LEXICON"), os.Getenv("WG_BENCH_TEXT")
	if lp == "" || tp == "" {
		return nil, nil, false
	}
	lexicon, err := readLines(lp)
	if err != nil {
		return nil, nil, false
	}
	messages, err = readLines(tp)
	if err != nil {
		return nil, nil, false
	}
	return lexicon, messages, true
}

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		if line := strings.TrimRight(sc.Text(), "\r"); strings.TrimSpace(line) != "" {
			out = append(out, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return out, nil
}
