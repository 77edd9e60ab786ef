package moderation_test

import (
	"testing"

	"github.com/wecom-guard/wecom-guard/moderation"
)

const (
	phone = moderation.KindPhone
	idc   = moderation.KindIDCard
	bank  = moderation.KindBankCard
	plain = moderation.FormDetector
	obf   = moderation.FormObfuscated
)

func TestDetectNumberStyles(t *testing.T) {
	runDetect(t, detectScanner(t), []dcase{
		// Dingbat, double-circled and negative circled digits (NFKC leaves them alone).
		{"dingbat negative circled", "加我❶❸❽❶❷❸❹❺❻❼❽", []dhit{{phone, "❶❸❽❶❷❸❹❺❻❼❽", obf, false}}},
		{"dingbat sans circled", "➀➂➇➀➁➂➃➄➅➆➇", []dhit{{phone, "➀➂➇➀➁➂➃➄➅➆➇", obf, false}}},
		{"dingbat negative sans", "电话➊➌➑➊➋➌➍➎➏➐➑", []dhit{{phone, "➊➌➑➊➋➌➍➎➏➐➑", obf, false}}},
		{"dingbat sans zeros", "电话➊➎🄌➊➋➌➍🄋➏➐➑", []dhit{{phone, "➊➎🄌➊➋➌➍🄋➏➐➑", obf, false}}},
		{"double circled", "⓵⓷⓽⓵⓶⓷⓸⓹⓺⓻⓼找我", []dhit{{phone, "⓵⓷⓽⓵⓶⓷⓸⓹⓺⓻⓼", obf, false}}},
		{"negative circled zero", "❶❺⓿⓿⓿⓿⓿⓿⓿⓿⓿", []dhit{{phone, "❶❺⓿⓿⓿⓿⓿⓿⓿⓿⓿", obf, false}}},
		{"dingbats spaced", "❶❸❾ ❶❷❸❹ ❺❻❼❽", []dhit{{phone, "❶❸❾ ❶❷❸❹ ❺❻❼❽", obf, false}}},
		{"dingbats mixed with digits", "❶❸❾1234❺❻❼❽", []dhit{{phone, "❶❸❾1234❺❻❼❽", obf, false}}},
		{"double circled in a sentence", "有需要联系⓵⓼⓼⓵⓺⓹⓵⓸⓼⓼⓼，24小时在线", []dhit{{phone, "⓵⓼⓼⓵⓺⓹⓵⓸⓼⓼⓼", obf, false}}},
		{"dingbat id card", "➀➀⓿➀⓿➄➀➈➃➈➀➁➂➀⓿⓿➁X", []dhit{{idc, "➀➀⓿➀⓿➄➀➈➃➈➀➁➂➀⓿⓿➁X", obf, false}}},
		{"sans circled with dashes", "➀➂➇-➀➁➂➃-➄➅➆➇", []dhit{{phone, "➀➂➇-➀➁➂➃-➄➅➆➇", obf, false}}},
		// Radio numerals: 幺 1, 两 2, 拐 7, 勾 9, 洞 0.
		{"radio numerals", "幺三八幺两三四五六拐八", []dhit{{phone, "幺三八幺两三四五六拐八", obf, false}}},
		{"radio zero", "幺八八洞洞幺两三四五六", []dhit{{phone, "幺八八洞洞幺两三四五六", obf, false}}},
		{"radio nine and seven", "手机幺勾拐拐拐拐八八八八八", []dhit{{phone, "幺勾拐拐拐拐八八八八八", obf, false}}},
		{"radio spaced", "幺五勾 洞洞洞洞 幺两两两", []dhit{{phone, "幺五勾 洞洞洞洞 幺两两两", obf, false}}},
		{"radio mixed with digits", "幺3八1两3四5六拐8", []dhit{{phone, "幺3八1两3四5六拐8", obf, false}}},
		{"radio capitals", "壹叁捌幺贰叁肆伍陆柒捌", []dhit{{phone, "壹叁捌幺贰叁肆伍陆柒捌", obf, false}}},
		{"radio with dashes", "幺八六-两三四五-六拐八勾", []dhit{{phone, "幺八六-两三四五-六拐八勾", obf, false}}},
		{"radio after a label", "号码：幺五洞幺两三四五六拐勾", []dhit{{phone, "幺五洞幺两三四五六拐勾", obf, false}}},
		{"radio with noise", "幺★三★八★幺★两★三★四★五★六★拐★八", []dhit{{phone, "幺★三★八★幺★两★三★四★五★六★拐★八", obf, false}}},
		{"radio all zero tail", "幺三九洞洞洞洞洞洞洞洞", []dhit{{phone, "幺三九洞洞洞洞洞洞洞洞", obf, false}}},
		// O/o for 0, l/I for 1 inside a digit run.
		{"letters l and O", "l38OO138OOO", []dhit{{phone, "l38OO138OOO", obf, false}}},
		{"letters O only", "138OO138OOO", []dhit{{phone, "138OO138OOO", obf, false}}},
		{"letter o lower", "电话1380o138000", []dhit{{phone, "1380o138000", obf, false}}},
		{"letter I", "I3812345678", []dhit{{phone, "I3812345678", obf, false}}},
		{"letters mixed", "l39l234567O", []dhit{{phone, "l39l234567O", obf, false}}},
		{"letters spaced", "l38 OO13 8OOO", []dhit{{phone, "l38 OO13 8OOO", obf, false}}},
		{"letters with dashes", "l5O-l234-5678", []dhit{{phone, "l5O-l234-5678", obf, false}}},
		{"letters after chinese", "加我l3912345678谢谢", []dhit{{phone, "l3912345678", obf, false}}},
		{"letter in the middle", "1381234O678", []dhit{{phone, "1381234O678", obf, false}}},
		{"letters between digits", "电话：l87OOOOl234", []dhit{{phone, "l87OOOOl234", obf, false}}},
		{"letter group between dashes", "号码 l77-OOll-2233", []dhit{{phone, "l77-OOll-2233", obf, false}}},
		{"letter group between spaces", "回电 l36 OOOO 9999", []dhit{{phone, "l36 OOOO 9999", obf, false}}},
		{"letter group after spelled digits", "l3l OOOO 8888", []dhit{{phone, "l3l OOOO 8888", obf, false}}},
		{"letter group before spelled digits", "电话 139 OOOO lO23", []dhit{{phone, "139 OOOO lO23", obf, false}}},
		{"letters full-width", "ｌ３８ＯＯ１３８ＯＯＯ", []dhit{{phone, "ｌ３８ＯＯ１３８ＯＯＯ", obf, false}}},
		// NFKC digit styles, written as a whole number.
		{"circled", "①③⑧①②③④⑤⑥⑦⑧", []dhit{{phone, "①③⑧①②③④⑤⑥⑦⑧", obf, false}}},
		{"parenthesized", "⑴⑶⑻⑴⑵⑶⑷⑸⑹⑺⑻", []dhit{{phone, "⑴⑶⑻⑴⑵⑶⑷⑸⑹⑺⑻", obf, false}}},
		{"superscript", "¹³⁸¹²³⁴⁵⁶⁷⁸", []dhit{{phone, "¹³⁸¹²³⁴⁵⁶⁷⁸", obf, false}}},
		{"subscript", "₁₃₈₁₂₃₄₅₆₇₈", []dhit{{phone, "₁₃₈₁₂₃₄₅₆₇₈", obf, false}}},
		{"parenthesized han", "㈠㈢㈧㈠㈡㈢㈣㈤㈥㈦㈧", []dhit{{phone, "㈠㈢㈧㈠㈡㈢㈣㈤㈥㈦㈧", obf, false}}},
		{"full-width is plain", "１３８１２３４５６７８", []dhit{{phone, "１３８１２３４５６７８", plain, false}}},
		{"plain", "电话13812345678", []dhit{{phone, "13812345678", plain, false}}},
		{"chinese numerals", "一三八一二三四五六七八", []dhit{{phone, "一三八一二三四五六七八", obf, false}}},
		{"mathematical", "𝟏𝟑𝟖𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖", []dhit{{phone, "𝟏𝟑𝟖𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖", obf, false}}},
		{"circled first digit only", "①3812345678", []dhit{{phone, "①3812345678", obf, false}}},
		{"lower-case word glued", "call me13812345678", []dhit{{phone, "13812345678", plain, false}}},
	})
}

func TestDetectNumberGroups(t *testing.T) {
	runDetect(t, detectScanner(t), []dcase{
		{"commas", "188,1651,4888", []dhit{{phone, "188,1651,4888", obf, false}}},
		{"dots", "188.1651.4888", []dhit{{phone, "188.1651.4888", obf, false}}},
		{"line breaks", "188\n1651\n4888", []dhit{{phone, "188\n1651\n4888", obf, false}}},
		{"full-width commas", "联系188，1651，4888", []dhit{{phone, "188，1651，4888", obf, false}}},
		{"dots and spaces", "电话：188. 1651. 4888", []dhit{{phone, "188. 1651. 4888", obf, false}}},
		{"crlf", "188\r\n1651\r\n4888", []dhit{{phone, "188\r\n1651\r\n4888", obf, false}}},
		{"a digit at a time", "联系 1,3,8,1,2,3,4,5,6,7,8", []dhit{{phone, "1,3,8,1,2,3,4,5,6,7,8", obf, false}}},
		{"chinese full stops", "手机138。0013。8000", []dhit{{phone, "138。0013。8000", obf, false}}},
		{"three and eight", "138,12345678", []dhit{{phone, "138,12345678", obf, false}}},
		{"seven and four", "1381234.5678", []dhit{{phone, "1381234.5678", obf, false}}},
		{"country code with dots", "+86.138.1234.5678", []dhit{{phone, "86.138.1234.5678", obf, false}}},
		{"bank card in dotted fours", "6222.0212.3456.7890.128", []dhit{{bank, "6222.0212.3456.7890.128", obf, false}}},
		{"id card in lines", "110105\n19491231\n002X", []dhit{{idc, "110105\n19491231\n002X", obf, false}}},
		{"two phones a line", "13812345678\n13987654321", []dhit{{phone, "13812345678", plain, false}, {phone, "13987654321", plain, false}}},
		{"phones in a comma list", "13812345678,13987654321", []dhit{{phone, "13812345678", plain, false}, {phone, "13987654321", plain, false}}},
		{"dashes", "138-1234-5678", []dhit{{phone, "138-1234-5678", plain, false}}},
		{"country code with a dash", "+86-138-1234-5678", []dhit{{phone, "86-138-1234-5678", plain, false}}},
		{"a list marker and a dash", "2-13812345678 王经理", []dhit{{phone, "13812345678", plain, false}}},
		{"phones in a dash pair", "13812345678-13987654321", []dhit{{phone, "13812345678", plain, false}, {phone, "13987654321", plain, false}}},
		// A phone whole or in its usual grouping after one dashed group of
		// digits is still a phone (review3: the dashed-code rule dropped it).
		{"three digits and a dash", "电话 000-13812345678 随时打", []dhit{{phone, "13812345678", plain, false}}},
		{"a year and a dash", "联系方式 2025-13812345678", []dhit{{phone, "13812345678", plain, false}}},
		{"digits and a grouped phone", "兼职联系 888-138-1234-5678", []dhit{{phone, "138-1234-5678", plain, false}}},
		// List separators a Chinese keyboard types between items (red9b).
		{"enumeration commas", "电话135、1234、5678", []dhit{{phone, "135、1234、5678", obf, false}}},
		{"semicolons", "159；1234；5678 找王经理", []dhit{{phone, "159；1234；5678", obf, false}}},
		{"slashes", "139/1234/5678", []dhit{{phone, "139/1234/5678", obf, false}}},
		{"phones in a slash list", "13812345678/13987654321", []dhit{{phone, "13812345678", plain, false}, {phone, "13987654321", plain, false}}},
	})
}

func TestDetectListNumbering(t *testing.T) {
	runDetect(t, detectScanner(t), []dcase{
		{"circled before phone", "①13812345678", []dhit{{phone, "13812345678", plain, false}}},
		{"parenthesized ten before id", "⑽11010519491231002X", []dhit{{idc, "11010519491231002X", plain, false}}},
		{"customer list", "客户名单：①13812345678 ②11010519491231002X ③6222021234567890128", []dhit{
			{phone, "13812345678", plain, false}, {idc, "11010519491231002X", plain, false}, {bank, "6222021234567890128", plain, false}}},
		{"full stop number", "⒈13812345678", []dhit{{phone, "13812345678", plain, false}}},
		{"parenthesized one", "⑴13812345678", []dhit{{phone, "13812345678", plain, false}}},
		{"ascii marker", "1.13812345678", []dhit{{phone, "13812345678", plain, false}}},
		{"marker after", "13812345678②", []dhit{{phone, "13812345678", plain, false}}},
		{"dingbat marker", "❶13812345678", []dhit{{phone, "13812345678", plain, false}}},
		{"ascii parentheses marker", "(1)13812345678", []dhit{{phone, "13812345678", plain, false}}},
		{"circled twelve", "⑫13987654321", []dhit{{phone, "13987654321", plain, false}}},
		{"markers between numbers", "①13812345678②13987654321③15011112222", []dhit{
			{phone, "13812345678", plain, false}, {phone, "13987654321", plain, false}, {phone, "15011112222", plain, false}}},
		{"ascii list", "名单 1.13812345678 2.13987654321", []dhit{{phone, "13812345678", plain, false}, {phone, "13987654321", plain, false}}},
		{"id after double circled", "⓵440301200002291237", []dhit{{idc, "440301200002291237", plain, false}}},
		{"negative circled eleven", "⓫13812345678", []dhit{{phone, "13812345678", plain, false}}},
	})
}

func TestDetectNumberContext(t *testing.T) {
	runDetect(t, detectScanner(t), []dcase{
		{"card word", "卡号 6222021234567890128", []dhit{{bank, "6222021234567890128", plain, false}}},
		{"card word after", "6217001234567893 是我的银行卡", []dhit{{bank, "6217001234567893", plain, false}}},
		{"bare card", "4367421234567890129", []dhit{{bank, "4367421234567890129", plain, false}}},
		{"order word drops card", "订单号 6222021234567890128", nil},
		{"order phone is doubtful", "订单号13812345678", []dhit{{phone, "13812345678", plain, true}}},
		{"id card bad checksum", "身份证 440301200002291238", nil},
		{"order word labels the number before", "订单 2023 13812345678", []dhit{{phone, "13812345678", plain, false}}},
		{"order word after in brackets", "6222021234567890128（运单）", nil},
		{"order no.", "Order No. 6217001234567893", nil},
		// A number one digit off a published test number is still a card.
		{"one digit off a test card", "卡号 4242424242424267", []dhit{{bank, "4242424242424267", plain, false}}},
		{"meeting number is doubtful", "会议号 138 123 456 78", []dhit{{phone, "138 123 456 78", plain, true}}},
		// Mastercard's 2-series (2221–2720).
		{"2-series mastercard", "卡号 2221 0012 3456 7896", []dhit{{bank, "2221 0012 3456 7896", plain, false}}},
		{"2-series mastercard, top of the range", "万事达 2720123456789010 还款日是 15 号", []dhit{{bank, "2720123456789010", plain, false}}},
		{"2-series mastercard, middle", "2520-1234-5678-9012 是我的信用卡", []dhit{{bank, "2520-1234-5678-9012", plain, false}}},
	})
	t.Run("numbers starting with 2 outside the 2-series", func(t *testing.T) {
		runTraps(t, detectScanner(t), bank, []string{
			"卡号 2220123456789015", "卡号 2721123456789019", // Luhn-valid, just outside 2221–2720
			"卡号 22210012345678962",                           // 17 digits
			"时间戳 2025060112345609", "单据 2026 0315 0000 1806", // Luhn-valid, dates
		})
	})
	s := detectScanner(t)
	conf := func(text string) uint8 {
		got := s.Scan(text, nil)
		if len(got) != 1 {
			t.Fatalf("Scan(%q) = %v, want one finding", text, got)
		}
		return got[0].Confidence
	}
	if a, b := conf("卡号 6222021234567890128"), conf("6222021234567890128"); a <= b {
		t.Errorf("card word: confidence %d, without %d; want higher", a, b)
	}
	if a, b := conf("手机 13812345678"), conf("13812345678"); a <= b {
		t.Errorf("phone word: confidence %d, without %d; want higher", a, b)
	}
}

func TestDetectNumberTraps(t *testing.T) {
	s := detectScanner(t)
	t.Run("dotted quads", func(t *testing.T) {
		runTraps(t, s, phone, []string{
			"内网地址 192.168.125.83 端口 8080", "172.16.254.131", "服务器183.136.220.95宕机了", "ping 153.37.102.188 不通",
			"出口IP 116.62.133.210", "157.148.69.80 已加白名单", "http://10.0.0.8/x 和 1.2.3.4:8080/path", "网关 172.18.100.254",
			"解析到 139.159.241.37", "节点 180.101.149.12 延迟高", "182.254.116.116/24",
		})
	})
	t.Run("versions", func(t *testing.T) {
		runTraps(t, s, phone, []string{
			"版本 15.2.20250601", "v3.11.2.13812345678", "Chrome 138.0.7204.168", "固件 V18.2.20240115 已推送",
			"升级到 1.38.1234.5678", "版本号 19.0.1.2345678", "release-15.8.20231231", "iOS 17.5.1 build 13.812.345678",
			"app 版本 13.8.12345678 有bug", "请装 16.4.12345678 以上", "SDK 1.3.8.1234.5678", "版本v2.13812345678",
		})
	})
	t.Run("letter-prefixed codes", func(t *testing.T) {
		runTraps(t, s, phone, []string{
			"PO-1388-1234-567", "SN13812345678", "订单 SO-1398-7654-321", "设备号 SN15912345678", "型号 ABC13812345678",
			"批次 LOT-1371-2345-678", "工单 WO13612345678", "PN-18612345678 缺货", "资产编号 IT-1591-2345-678",
			"coupon code XYZ13912345678", "快递 SF1381234567811",
			// Digits before the dash instead of letters (red9c).
			"批次号 2025-1381-2345-678 已入库", "合同 2024-1391-2345-678", "2025-06-13812345678",
		})
	})
	t.Run("labelled device and meeting numbers", func(t *testing.T) {
		runTraps(t, s, phone, []string{
			"设备号：13812345678", "SN 13812345678 的设备", "腾讯会议：138 1234 5678", "会议 159 8765 4321 密码 1234",
			"IMEI 13912345678", "串号 18612345678", "账单 13712345678 已出",
		})
	})
	t.Run("published test card numbers", func(t *testing.T) {
		runTraps(t, s, bank, []string{
			"测试卡号 4242 4242 4242 4242，有效期随便填", "沙箱里用 4111111111111111 下单就行",
			"会员卡号：6011111111111117（测试环境）", "Stripe test card 4000 0566 5566 5556 可以模拟借记卡",
			"万事达测试卡 5555-5555-5555-4444", "银联沙箱卡号 6216261000000000018 短信验证码 111111",
			"JCB 用 3566 0020 2036 0505 测", "Adyen 的 4917 6100 0000 0000 走 3DS2", "用 4012888888881881 复现一下扣款失败",
			"信用卡 5105 1051 0510 5100 测试支付回调", "Braintree 沙箱 4005519200000004 also works",
		})
	})
	t.Run("order numbers passing luhn", func(t *testing.T) {
		runTraps(t, s, bank, []string{
			"订单号 6222021234567890128", "发票号码：4367421234567890129", "快递单号 6217001234567893",
			"运单号6228480012345678903", "流水号 40001234123412348", "交易流水 51001234123412345 已入账",
			"物流单号: 6259660123456788", "你的订单62258801234567899已发货", "工单编号 95588012345678903",
			"tracking 31520240618000127", "单号：4000 1234 1234 1234 8",
			// A list of numbers takes its label.
			"这批订单号 4422344256973854、6064363480115221 请财务核对",
			"发票号 6222021234567890128，4367421234567890129，6217001234567893",
			"运单号：6228480012345678903 / 6259660123456788 已签收",
			// Other business forms.
			"报销单3320906051232978的发票号码对不上", "采购单 6222021234567890128 已审批", "退款单号6217001234567893",
		})
	})
	t.Run("numbers in ordinary text", func(t *testing.T) {
		runTraps(t, s, phone, []string{
			"订单号2023113812345678901", "813812345678", "1,380,000,000 元", "时间 2025-06-01 13:45:12",
			"选第1,3,8,1,2,3,4,5,6,7,8,9题", "第1.3.8.1.2.3.4.5.6.7.8.9条", "电话是多少。138。",
			"金额 13812345678.50 元是笔误", "比分 13:81:23:45:678", "1/3812/345678",
			"日期 2024/11/18 13/45", "完成 138/1234 件、5678 件待发", "数量 13、81、23、45、678",
			"比例 1/3/8/1/2/3/4/5/6/7/8/9", "单价 1380；数量 1234；金额 5678",
		})
	})
}
