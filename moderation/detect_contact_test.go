package moderation_test

import (
	"testing"

	"github.com/wecom-guard/wecom-guard/moderation"
)

const (
	email = moderation.KindEmail
	url   = moderation.KindURL
)

func TestDetectEmailObfuscations(t *testing.T) {
	runDetect(t, detectScanner(t), []dcase{
		{"plain", "发到 zhang.san@qq.com 吧", []dhit{{email, "zhang.san@qq.com", plain, false}}},
		{"full-width at", "简历发ｈｒ＠ｃｏｍｐａｎｙ．ｃｎ", []dhit{{email, "ｈｒ＠ｃｏｍｐａｎｙ．ｃｎ", plain, false}}},
		{"艾特", "联系 lucky888艾特qq.com 领取", []dhit{{email, "lucky888艾特qq.com", obf, false}}},
		{"艾特 spaced", "邮箱 lucky888 艾特 163.com", []dhit{{email, "lucky888 艾特 163.com", obf, false}}},
		{"hash", "发简历到 hr_li#qq.com", []dhit{{email, "hr_li#qq.com", obf, false}}},
		{"hash between spaces", "发到 hr2026 # 126.com", []dhit{{email, "hr2026 # 126.com", obf, false}}},
		{"round at and dot", "name(at)qq(dot)com", []dhit{{email, "name(at)qq(dot)com", obf, false}}},
		{"square at", "service[at]vip-mail[dot]cn 有资料", []dhit{{email, "service[at]vip-mail[dot]cn", obf, false}}},
		{"spaced brackets", "tom (at) gmail (dot) com", []dhit{{email, "tom (at) gmail (dot) com", obf, false}}},
		{"点com", "发到 abc123@163点com", []dhit{{email, "abc123@163点com", obf, false}}},
		{"艾特 and 点", "wang艾特sina点com", []dhit{{email, "wang艾特sina点com", obf, false}}},
		{"full stop dot", "邮箱 abc@qq。com", []dhit{{email, "abc@qq。com", obf, false}}},
		{"curly", "me{at}outlook{dot}com", []dhit{{email, "me{at}outlook{dot}com", obf, false}}},
		{"full-width brackets", "kefu（at）qq（dot）com", []dhit{{email, "kefu（at）qq（dot）com", obf, false}}},
		{"bracketed 艾特", "资料发 lisi (艾特) qq.com", []dhit{{email, "lisi (艾特) qq.com", obf, false}}},
		{"spelled at and dot", "邮箱 zhangsan at qq dot com", []dhit{{email, "zhangsan at qq dot com", obf, false}}},
		{"spelled AT DOT", "请发至 lisi AT 163 DOT com", []dhit{{email, "lisi AT 163 DOT com", obf, false}}},
		{"spelled with a digit", "abc123 at example dot com", []dhit{{email, "abc123 at example dot com", obf, false}}},
		// The second red team's forms (red9b).
		{"圈a", "zhaoming圈a163点com", []dhit{{email, "zhaoming圈a163点com", obf, false}}},
		{"小老鼠", "请发送到 lina小老鼠sina.com", []dhit{{email, "lina小老鼠sina.com", obf, false}}},
		{"spaced at and dot", "hr_zhang @ qq . com", []dhit{{email, "hr_zhang @ qq . com", obf, false}}},
		// review rev13r: a spaced @ before a mail provider stays evasive,
		// before a company's domain it is how auto-spacing types it.
		{"spaced at, mail provider", "私单发 liwei @ 163.com", []dhit{{email, "liwei @ 163.com", obf, false}}},
		{"spaced at, company domain", "邮箱 lisi @ corp.com，有问题发邮件", []dhit{{email, "lisi @ corp.com", plain, false}}},
		{"spaced at, .com.cn", "把简历发到 hr @ company.com.cn", []dhit{{email, "hr @ company.com.cn", plain, false}}},
		{"hash in a URL's fragment", "文档见 https://wiki.corp.com/page#qq.com", []dhit{{url, "https://wiki.corp.com/page#qq.com", plain, false}}},
		{"hash for at and dot", "邮箱 cathy#163#com", []dhit{{email, "cathy#163#com", obf, false}}},
		// The third red team's forms (red9c).
		{"lenticular brackets", "tom【at】qq【点】com", []dhit{{email, "tom【at】qq【点】com", obf, false}}},
		{"lenticular at, plain dot", "发 hr_li【at】163.com", []dhit{{email, "hr_li【at】163.com", obf, false}}},
		{"圈 alone", "报价发 zhao_li圈qq.com", []dhit{{email, "zhao_li圈qq.com", obf, false}}},
		{"在 for at", "tangli在qq.com 收简历", []dhit{{email, "tangli在qq.com", obf, false}}},
		{"在 for at, 163", "简历发 wang.fang88在163.com 谢谢", []dhit{{email, "wang.fang88在163.com", obf, false}}},
		{"在 for at, at the end", "简历投 hr_zhang在qq.com", []dhit{{email, "hr_zhang在qq.com", obf, false}}},
		{"在 for at, then a comma", "发 lily2024在126.com，谢谢", []dhit{{email, "lily2024在126.com", obf, false}}},
		{"spelled at, provider's host", "kefu AT vip.163.com", []dhit{{email, "kefu AT vip.163.com", obf, false}}},
		{"spelled at, provider's host first", "li.na at qq.com 收", []dhit{{email, "li.na at qq.com", obf, false}}},
		{"spelled at, provider's host, after Chinese", "报价发 kefu at vip.163.com", []dhit{{email, "kefu at vip.163.com", obf, false}}},
		{"spelled at, provider's host, a handle in English", "please write to li_na at qq.com today", []dhit{{email, "li_na at qq.com", obf, false}}},
	})
}

func TestDetectEmailTraps(t *testing.T) {
	runTraps(t, detectScanner(t), email, []string{
		"@所有人 明天开会", "#周报# 本周完成三项", "C#.net 项目", "issue#123 已修复", "第#3条.com",
		"艾特一下张三", "请艾特我.谢谢", "foo(at)bar", "见 (at) 表格", "价格#1.5元", "我们在(at)home.txt里写了",
		"abc#def.xyz", "a@localhost",
		"meet me at home dot com", "look at this . com page", "we are at 3 . 5 percent", "I'm at the office. Dot com era is over",
		"see you at noon.com", "at qq.com", "arrive at 9 dot com",
		"圈a圈b都行", "小老鼠爱大米", "朋友圈qq.com", "圈qq.com", "我在qq.com注册的", "现在qq.com打不开", "他在gmail.com 有账号吗",
		// review10: a subject in Latin letters before 在 ("at, on") and the
		// site it acts on, the sentence going on at once.
		"Tony在qq.com上发的", "HR在163.com看简历", "App在qq.com上架了吗", "iPhone在qq.com登录要验证", "test1在qq.com注册成功",
		"VPN在qq.com打不开", "QA在126.com测过了", "bug在163.com邮箱里复现了", "我是用QQ在qq.com登录的", "Chrome在gmail.com提示风险", "meet at mail.home.com", "at vip.163.com",
		// English sentences with a mail provider's host (review3).
		"Please log in at exmail.qq.com with your work account", "Look at mail.126.com for the old archive",
		"login at exmail.qq.com then open the inbox", "the mailbox at mail.sina.com is retired", "Reply at mail.163.com if you prefer", "arrive at qq.cn.example", "ok @ 张三 . 好的", "话题#qq#讨论", "编号#163#1", "tag#163#coms", "a @ b", "我在 @ home",
	})
}

func TestDetectURLObfuscations(t *testing.T) {
	runDetect(t, detectScanner(t), []dcase{
		{"word dot with digits", "上 dafa888 dot com 注册", []dhit{{url, "dafa888 dot com", obf, false}}},
		{"word dot with www", "www dot lucky dot net", []dhit{{url, "www dot lucky dot net", obf, false}}},
		{"word dot twice", "go to mail dot evil dot cn now", []dhit{{url, "mail dot evil dot cn", obf, false}}},
		{"full stops", "打开www。bet365。com", []dhit{{url, "www。bet365。com", obf, false}}},
		{"full stop bare", "下载地址 down。app88。vip", []dhit{{url, "down。app88。vip", obf, false}}},
		{"full stop bare, no w or d", "bet365。com 注册", []dhit{{url, "bet365。com", obf, false}}},
		{"half-width ideographic full stop", "bet365｡com 注册", []dhit{{url, "bet365｡com", obf, false}}},
		{"space before a full stop", "官网：www.fa888 。com", []dhit{{url, "www.fa888 。com", obf, false}}},
		{"space after a full stop", "www。 yy66 。net 点进去", []dhit{{url, "www。 yy66 。net", obf, false}}},
		{"spaced dots", "访问 www . bet365 . com 注册", []dhit{{url, "www . bet365 . com", obf, false}}},
		{"ip with scheme", "打开 http://10.0.0.8/x 看看", []dhit{{url, "http://10.0.0.8/x", plain, false}}},
		{"ip with port and path", "访问 1.2.3.4:8080/path", []dhit{{url, "1.2.3.4:8080/path", plain, false}}},
		{"ip with port", "代理 47.98.12.3:1080", []dhit{{url, "47.98.12.3:1080", plain, false}}},
		{"ip https", "https://203.0.113.9/login?u=1", []dhit{{url, "https://203.0.113.9/login?u=1", plain, false}}},
		{"点", "dafa888点com", []dhit{{url, "dafa888点com", obf, false}}},
		{"bracketed", "bet(dot)cc/reg", []dhit{{url, "bet(dot)cc/reg", obf, false}}},
		{"plain", "看https://evil.io/a?b=1，好", []dhit{{url, "https://evil.io/a?b=1", plain, false}}},
		{"www with spaces", "官网 www bet365 com", []dhit{{url, "www bet365 com", obf, false}}},
		{"www with commas", "到 www,bc888,com 注册", []dhit{{url, "www,bc888,com", obf, false}}},
		{"ip with full stops and a path", "118。25。12。33/s 扫码下单", []dhit{{url, "118。25。12。33/s", obf, false}}},
		{"ip with full stops and a port", "打开 47。96。11。20:8080/reg 注册", []dhit{{url, "47。96。11。20:8080/reg", obf, false}}},
	})
}

func TestDetectURLTraps(t *testing.T) {
	runTraps(t, detectScanner(t), url, []string{
		"the dot com bubble", "connect the dot to the line", "下午3点cn", "内网 192.168.125.83", "版本 1.2.3.4",
		"v1.2.3.4/5", "node.js 和 e.g. 和 3.14", "好的。com组明天来", "第 1.2.3.4 节", "dot the i's and cross the t's",
		"一个 dot com 公司", "https://corp.example.com/wiki", "发到 abc@qq.com", "name(at)qq(dot)com",
		"www is down today", "www and more", "内网 192。168。0。1 不通", "第 1。2。3。4 条。", "会议室 10。12。3。5", "www bet365,com", "www, bet365, com", "the www web com page",
	})
}
