package rules

import (
	"strings"
	"testing"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// TestOwnChannelSoliciting: an ad that launders 厂家直销, 一手货源 or 招代理
// with supply-chain words (库存, 发货, 经销商) and solicits in another
// sentence, in a spelling the matcher folds, or with a recruiting pitch is
// not lowered by own-channel; the company's own talk across sentences,
// naming 企业微信, still is (review rev12b; lines not in the review's
// held-out sets).
func TestOwnChannelSoliciting(t *testing.T) {
	e := defaultEngine(t)
	tests := []struct {
		text, word string
		lowered    bool
	}{
		{"一手货源，仓库当天发货。想拿货的私 聊", "一", false},
		{"厂家直销，库存充足\n有兴趣的加我", "厂", false},
		{"招代理，经销商价拿货，ＶＸ同号", "招", false},
		{"厂家直销，库存大量。威信在头像里", "厂", false},
		{"一手货源，发货快，绿泡泡见主页", "一", false},
		{"招代理，不用囤货，公司统一发货", "招", false},
		{"厂家直销，供应商直供。扫一扫进货源群", "厂", false},
		{"招代理，零成本，客户资源我们给", "招", false},
		{"一手货源，仓库直发，下班做个副业", "一", false},
		{"厂家直销，订单爆了，兼职的姐妹来", "厂", false},
		{"招代理，库存共享，朋 友 圈天天更新", "招", false},
		{"一手货源，发货快。weixin: hd2026", "一", false},
		{"一手货源，发货快，私❤聊", "一", false},
		{"招代理的流程已经发到企业微信审批了，附件是渠道政策", "招", true},
		{"厂家直销的客户清单在附件。下周一前请渠道经理核对。会后我发邮件", "厂", true},
		{"采购说这家供应商不是一手货源。质检报告下午再看", "一", true},
		// Words of a pitch that a company's own sentence also holds (review
		// rev13r): 收益, 实拍, 主页, 带你, 轻松, 详聊 are no soliciting.
		{"渠道部：厂家直销这条线的收益对比放在附件了", "厂", true},
		{"采购部：一手货源的报价单附了仓库实拍照片", "一", true},
		{"区域经理：招代理的进度已更新到官网主页，订单表见附件", "招", true},
		{"厂家直销的那批货到仓库了，下午带你们组的人去自提", "厂", true},
		{"招代理的合同条款再审一遍，别让客户轻松钻了空子", "招", true},
		{"供应商那边的厂家直销方案，详聊放在周三的采购例会", "厂", true},
		// A reseller's terms count anywhere in the message, folded.
		{"招代理，日.结，库存不用你管", "招", false},
		{"一手货源，库存充足。宝 妈在家就能做", "一", false},
		{"厂家直销，仓库发货。代理费全免，零 成本起步", "厂", false},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			v := e.Evaluate(tc.text, Context{ChatKind: ChatWork, Explain: true})
			var hit *Hit
			for i := range v.Hits {
				if v.Hits[i].Kind == moderation.KindKeyword && strings.HasPrefix(v.Hits[i].Masked, tc.word) {
					hit = &v.Hits[i]
					break
				}
			}
			if hit == nil {
				t.Fatalf("no keyword hit starting with %q: %+v", tc.word, v.Hits)
			}
			if got := hit.Context == "own-channel"; got != tc.lowered {
				t.Errorf("lowered by own-channel %v, want %v (%s)", got, tc.lowered, hit.Explanation)
			}
			if !tc.lowered && (hit.Held || hit.Confidence < DefaultMinConfidence) {
				t.Errorf("got held %v, confidence %d; want enforced", hit.Held, hit.Confidence)
			}
		})
	}
}

// TestUnlessInMessage: words are found as written and folded, a word that
// folding shortens only as written, and 企业微信 is not 微信.
func TestUnlessInMessage(t *testing.T) {
	words := []string{"私聊", "微信", "vx", "+V"}
	for text, want := range map[string]bool{
		"库存够。私 聊": true, "私.聊": true, "ＶＸ": true, "VX": true, "+V": true,
		"v": false, "企业微信里看": false, "企业微信和微信": true, "私下聊": false,
	} {
		if got := unlessInMessage(text, words); got != want {
			t.Errorf("unlessInMessage(%q) = %v, want %v", text, got, want)
		}
	}
}
