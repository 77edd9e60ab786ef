package rules

import (
	"strings"
	"unicode/utf8"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// ownChannelContact and ownChannelPitch are the words of soliciting that
// keep own-channel from lowering 厂家直销, 一手货源 or 招代理 (review rev12b):
// an ad launders the phrase with supply-chain words (库存充足，仓库直发) and
// still asks to be contacted or joined, only not in the words the rule
// first listed. A way to be contacted or joined (ownChannelContact) is
// looked for in the whole message, as written and folded, so one spelling
// covers 私 聊, 私.聊 and ＶＸ; spellings the folding does not reach (威信
// and 徽信 for 微信, 绿泡泡, 企鹅, pinyin) are listed. The words of a pitch
// (ownChannelPitch) count only in the hit's sentence, like every rule's
// Unless: a company's own talk uses several of them in another sentence
// (review rev13r: 厂家直销渠道的收益分析见附件, 报价单里有实拍图).
var ownChannelContact = []string{
	"VX", "vx", "wx", "V信", "v信", "威信", "徽信", "维信", "卫信", "wei信", "weixin", "wechat", "绿泡泡", "企鹅", "Q群", "q群", "Q号",
	"加微", "微：", "微:", "薇：", "薇:", "+V", "+v", "➕", "同号", "滴滴我", "dd我", "戳我", "私戳", "扣我", "call我",
	"siliao", "私下联系", "推名片", "看头像", "见头像", "头像里", "看主页", "见主页",
	// codes and groups to join
	"二维码", "扫一扫", "识别图中", "货源群", "拉你进", "入群", "群号",
	// the channels of a reseller's pitch, and its words no company's own
	// message about its channel holds
	"微商", "朋友圈", "代理费", "零成本", "0成本", "免押", "零押金", "无需押金",
}

var ownChannelPitch = []string{
	"诚招", "零风险", "零元", "0元", "名额有限", "名额只剩",
	"手把手", "过万", "发财", "上车", "无需经验", "囤货", "压货", "副业", "兼职", "创业", "躺赚", "躺着", "睡后收入",
	"都可以做", "小白", "头像",
	// Not 收益, 实拍, 详聊, 主页, 轻松 or 带你: a company's own sentence has
	// them (渠道的收益分析, 报价单里有实拍图, 带你们部门的人来自提).
}

// unlessInMessage reports whether one of words is in text as written, or
// one of them folded in text folded as the keyword matcher folds it
// (noise, spaces and punctuation inside a word removed, full-width and
// capital letters folded). A word that folding shortens (微：, +V) is
// looked for only as written. 企业微信, the app the company works in, is
// not a word of soliciting. It allocates, and runs only for a hit of one
// of the rule's phrases.
func unlessInMessage(text string, words []string) bool {
	text = strings.ReplaceAll(text, "企业微信", "")
	if containsAny(text, words) {
		return true
	}
	folded, _ := moderation.Normalize(text)
	return containsAny(folded, foldedWords(words))
}

// foldedWords returns the words that folding does not shorten, folded.
func foldedWords(words []string) []string {
	var out []string
	for _, w := range words {
		if fw, _ := moderation.Normalize(w); utf8.RuneCountInString(fw) == utf8.RuneCountInString(w) {
			out = append(out, fw)
		}
	}
	return out
}
