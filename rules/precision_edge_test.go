package rules

import (
	"testing"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// keywordSpan reports whether v has a keyword hit at rune offsets [start, end).
func keywordSpan(v Verdict, start, end int) bool {
	for _, h := range v.Hits {
		if h.Kind == moderation.KindKeyword && h.Start == start && h.End == end {
			return true
		}
	}
	return false
}

// TestCrossingWordDropsKeyword: a dictionary word across the keyword's edge
// makes it a slice of ordinary words, although the costs (the keyword
// counted at frequency 1000) would keep it. Each of these was a hit before
// crossesEdge.
func TestCrossingWordDropsKeyword(t *testing.T) {
	e := precisionEngine(t)
	tests := []struct {
		text       string
		start, end int // the keyword finding that must be dropped
	}{
		{"印刷单页明天下午到货", 1, 3},    // 印刷 + 单页, not 刷单
		{"财务帮忙拉票据明细", 4, 6},     // 票据, not 拉票
		{"仓库让行政买大麻袋装废料", 5, 8},  // 麻袋, not 买大麻
		{"那个卖大麻绳的供应商", 2, 5},    // 麻绳, not 卖大麻
		{"周日结兼职老师的课时费", 1, 5},   // 周日, not 日结兼职
		{"每月最后一个工作日结工资", 8, 12}, // 工作日, not 日结工资
		{"我们约炮台公园门口见", 2, 4},    // 炮台, not 约炮
		{"母亲节日你妈妈收到花了吗", 3, 6},  // 节日 + 妈妈, not 日你妈
		{"宠物狗东西太多了", 2, 5},      // 宠物狗 as gse reads it, not 狗东西
		{"南京六合彩灯展下周开幕", 2, 5},   // 彩灯, not 六合彩
		{"工服的干洗钱先由各组垫付", 4, 6},  // 干洗, not 洗钱
		{"楼下卖大麻辣香锅的店关门了", 2, 5}, // 麻辣, not 卖大麻
		{"晚会节目要时时彩排", 5, 8},     // 彩排, not 时时彩
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			if v := e.Evaluate(tc.text, Context{ChatKind: ChatWork}); keywordSpan(v, tc.start, tc.end) {
				t.Errorf("keyword hit at %d-%d kept: %+v", tc.start, tc.end, v.Hits)
			}
		})
	}
}

// TestCrossingWordGuards: a word across the edge is no reading when it
// repeats the keyword's edge character, takes a grammatical character, or
// takes one that runs on into the default lists' words, when gse reads
// the run with more common words beside the keyword, or when a word that
// starts with the keyword runs over the same character.
func TestCrossingWordGuards(t *testing.T) {
	files, err := DefaultFiles()
	if err != nil {
		t.Fatal(err)
	}
	files["lists/illegal/precision.txt"] = []byte(precisionWords + "杀人\n")
	rs, err := LoadFiles(files)
	if err != nil {
		t.Fatalf("LoadFiles: %v", err)
	}
	e, err := Compile(rs)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	tests := []struct {
		text       string
		start, end int // the keyword hit that must be there
	}{
		{"刷刷刷单返利", 2, 4},          // 刷刷: the repeat evasion
		{"真是个人渣", 3, 5},           // 个人: 个 is a measure word
		{"这里有色情网站的链接", 3, 7},      // 有色: 有 is grammatical
		{"帮忙刷单一单返利二十", 2, 4},      // 单一: 一 is a numeral
		{"内部资料外传给竞品公司了", 0, 6},    // 传给: 给 is a preposition
		{"我们这边兼职刷单日结", 4, 8},      // 单日: 日结 is in 日结兼职
		{"在线网赌平台", 2, 4},          // 线网: frequency 3, gse reads 在线 + 网赌
		{"今晚来玩百家\n乐吧，真人荷官", 4, 8}, // 乐吧: 吧 is a particle
		{"他是个杀人犯", 3, 5},          // 杀人犯 starts with 杀人: 人犯 is no reading
		// A word that takes two or more of the keyword's characters
		// extends a word of the keyword: its other words stay whole.
		{"宝妈兼职月入过万元不是梦", 4, 8}, // 万元: 元 is a measure word of money
		{"日入过千块，手机就能做", 0, 4},  // 千块: so is 块
		{"出售客户资料库", 0, 6},      // 资料库 takes 资料 of 出售客户资料
		{"内部理财产品，稳赚", 0, 4},    // gse reads 理财产品, which takes 理财: 财产 is no reading
		{"急招兼职人员日结", 1, 4},     // 兼职人员 takes 兼职 of 招兼职
		// A word across the back edge that leaves three or more of the
		// keyword's characters before it: they still say what it says.
		{"信用卡代还款", 0, 5},
		{"高额返利息", 0, 4},
		{"厂家直销售", 0, 4},
		{"客户名单出售价", 0, 6},
		{"贷款秒批下", 0, 4},
		{"一手货源头", 0, 4},
		{"稳赚不赔本", 0, 4},
		{"专业代开发票据齐全", 2, 6},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			if v := e.Evaluate(tc.text, Context{ChatKind: ChatWork}); !keywordSpan(v, tc.start, tc.end) {
				t.Errorf("no keyword hit at %d-%d: %+v", tc.start, tc.end, v.Hits)
			}
		})
	}
}

// TestListBreak: a space, colon, slash or pipe between two complete words
// ends a keyword that would run across it; noise inside a word does not.
func TestListBreak(t *testing.T) {
	e := precisionEngine(t)
	dropped := []struct {
		text       string
		start, end int
	}{
		{"主色：黄色 网站按钮用蓝色", 3, 8},    // 黄色 + 网站按钮, not 黄色网站
		{"课程分类：成人 视频 直播", 5, 10},   // a list: 成人 视频 直播
		{"受众：成人/视频号用户", 3, 8},      // 成人 / 视频号
		{"| 笔刷 | 单色 | 渐变 |", 3, 8}, // table cells
		{"清洁工具：地刷 / 单柄拖把", 6, 11},
		{"话题：股票/群发邮件规范", 3, 7},  // 股票 / 群发, not 股票群
		{"| 王博 | 彩页设计 |", 3, 8}, // cells whatever the dictionary reads across (red10)
		{"| 刘博 | 彩页 | 周四 |", 3, 8},
		{"| 序号 | 老虎 | 机场店 |", 7, 13},
	}
	for _, tc := range dropped {
		t.Run(tc.text, func(t *testing.T) {
			if v := e.Evaluate(tc.text, Context{ChatKind: ChatWork}); keywordSpan(v, tc.start, tc.end) {
				t.Errorf("keyword hit at %d-%d kept: %+v", tc.start, tc.end, v.Hits)
			}
		})
	}
	kept := []struct {
		text       string
		start, end int
	}{
		{"招兼 职日结，手机就能做", 0, 4}, // the space splits 兼职
		{"兼 职日结", 0, 5},        // one character before the break
		{"刷 单返利，秒到账", 0, 5},    // 刷 + 单 + 返利 has no word across the space, but 刷 stands alone
		{"有没有人要冰/毒", 5, 8},     // one character after it
		{"黄色\n网站 分享", 0, 5},    // a line break is judged like noise
		{"出售客户·信息", 0, 7},      // the middle dot is noise
		{"代_开发票 各行业", 0, 5},    // so is the underscore
		// A space in running text, no list or table around it: spam
		// spaces its words apart.
		{"黄色 网站 免费看 加我", 0, 5},
		{"成人 视频 免费看", 0, 5},
		{"出售 客户信息 私聊", 0, 7},
		{"今晚 百家 乐 在线玩", 3, 7},
		// A single pipe in running text is no table (red10).
		{"博|彩平台 注册送", 0, 5},
		{"今晚 百家 | 乐 在线玩", 3, 9},
		// Nor are pipes between the parts of running text (review10).
		{"百家|乐真人|荷官在线", 0, 4},
		{"老虎|机在线|玩", 0, 4},
		// A contact or an alternative after the spaced words is no list:
		// spam ends with its contact (加微信：…, 联系：…).
		{"黄色 网站 免费看 加微信：abc123", 0, 5},
		{"成人 视频 免费看，联系：abc", 0, 5},
		{"出售 客户信息 日结/周结", 0, 7},
		// Brackets and quotes around part of a keyword in running text:
		// spam marks its words so (出售“客户信息”, 【黄色】网站).
		{"出售“客户信息”私聊", 0, 7},
		{"出售【客户信息】私聊", 0, 7},
		{"低价出售(客户信息)", 2, 9},
		{"【黄色】网站免费看", 1, 6},
		{"成人《视频》免费看", 0, 5},
		// A colon or slash between two of the keyword's own words, on
		// no list line: the keyword with a mark put at its word boundary.
		{"出售：客户信息，私聊", 0, 7},
		{"黄色/网站免费看", 0, 5},
	}
	for _, tc := range kept {
		t.Run(tc.text, func(t *testing.T) {
			if v := e.Evaluate(tc.text, Context{ChatKind: ChatWork}); !keywordSpan(v, tc.start, tc.end) {
				t.Errorf("no keyword hit at %d-%d: %+v", tc.start, tc.end, v.Hits)
			}
		})
	}
}

// TestExtendsKeyword: a word starting with the keyword and running on
// (杀人犯 for 杀人), or ending with it (赌博机 for 博机), is found either
// way; 印刷单页 has neither for 刷单.
func TestExtendsKeyword(t *testing.T) {
	p := precisionEngine(t).prec
	tests := []struct {
		run       string
		in, after int
		front     bool
		want      bool
	}{
		{"杀人犯", 0, 2, false, true},
		{"赌博机", 1, 3, true, true},
		{"印刷单页", 1, 3, false, false},
		{"印刷单页", 1, 3, true, false},
	}
	for _, tc := range tests {
		var l lattice
		l.build(p.seg.Dict, p.logTotal, []rune(tc.run))
		if got := extendsKeyword(&l, tc.in, tc.after, tc.front); got != tc.want {
			t.Errorf("extendsKeyword(%s, %d, %d, front %v) = %v, want %v", tc.run, tc.in, tc.after, tc.front, got, tc.want)
		}
	}
}

// TestMarkdownTableCells: in a Markdown table (a delimiter row) a pipe
// between cells is a boundary even between one-character cells (red13p);
// a row of one-character cells without one is the separator evasion's
// shape and still matches.
func TestMarkdownTableCells(t *testing.T) {
	e := precisionEngine(t)
	tests := []struct {
		text       string
		start, end int
		kept       bool
	}{
		{"| 姓名 | 刷 | 单 | 休 |\n| --- | --- | --- | --- |\n| 张三 | 22 | 是 | 4 |", 7, 12, false},
		{"|日期|冰|毒|检测|\n|:---:|:---:|:---:|:---:|\n|11-30|否|否|合格|", 4, 7, false},
		{"| 项目 | 代 | 开 | 发 | 票 |\n|---|---|---|---|---|", 7, 20, false},
		{"| 刷 | 单 | 日 | 结 |", 2, 7, true},
		{"| 姓名 | 刷 | 单 | 休 |\n| 张三 | 22 | 是 | 4 |", 7, 12, true},
		{"刷 | 单 日结\n---", 0, 5, true}, // a rule line of dashes, no pipe: no table
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			v := e.Evaluate(tc.text, Context{ChatKind: ChatWork})
			if got := keywordSpan(v, tc.start, tc.end); got != tc.kept {
				t.Errorf("keyword hit at %d-%d: %v, want %v: %+v", tc.start, tc.end, got, tc.kept, v.Hits)
			}
		})
	}
}
