package moderation_test

import (
	"testing"

	"github.com/wecom-guard/wecom-guard/moderation"
)

const wechat = moderation.KindWeChatID

func TestDetectWeChatForms(t *testing.T) {
	runDetect(t, detectScanner(t), []dcase{
		{"group invite link", "扫码进群 https://weixin.qq.com/g/AQYAAAabc123 ",
			[]dhit{{url, "https://weixin.qq.com/g/AQYAAAabc123", plain, false}, {wechat, "https://weixin.qq.com/g/AQYAAAabc123", plain, false}}},
		{"contact card link", "我的名片 u.wechat.com/EAbc-xyz",
			[]dhit{{url, "u.wechat.com/EAbc-xyz", plain, false}, {wechat, "u.wechat.com/EAbc-xyz", plain, false}}},
		{"plus V", "有意者+V：lucky_888", []dhit{{wechat, "+V：lucky_888", obf, false}}},
		{"plus V alone", "想了解的+V", []dhit{{wechat, "+V", obf, false}}},
		{"heavy plus 微", "详情➕微 abc12345", []dhit{{wechat, "➕微 abc12345", obf, false}}},
		{"heavy plus 微 alone", "感兴趣➕微", []dhit{{wechat, "➕微", obf, false}}},
		{"加V", "加V了解详情", []dhit{{wechat, "加V", obf, false}}},
		{"徽信", "徽信：money_king", []dhit{{wechat, "徽信：money_king", obf, false}}},
		{"威信", "加我威信", []dhit{{wechat, "加我威信", obf, false}}},
		{"薇信", "薇信号 xiaomei520", []dhit{{wechat, "薇信号 xiaomei520", obf, false}}},
		{"危信", "危信 tuan2024 拉你进群", []dhit{{wechat, "危信 tuan2024", obf, false}}},
		{"绿泡泡", "加绿泡泡 abc_8888", []dhit{{wechat, "加绿泡泡 abc_8888", obf, false}}},
		{"绿泡泡 alone", "私聊加绿泡泡", []dhit{{wechat, "加绿泡泡", obf, false}}},
		{"扣扣", "扣扣 123456789 私聊", []dhit{{wechat, "扣扣 123456789", obf, false}}},
		{"企鹅", "企鹅：87654321", []dhit{{wechat, "企鹅：87654321", obf, false}}},
		{"Q colon", "Q：123456789", []dhit{{wechat, "Q：123456789", obf, false}}},
		{"q colon lower", "有事找我 q:10086123", []dhit{{wechat, "q:10086123", obf, false}}},
		{"微信同号", "电话13812345678微信同号", []dhit{{phone, "13812345678", plain, false}, {wechat, "微信同号", plain, false}}},
		{"V信同号", "V信同号，随时联系", []dhit{{wechat, "V信同号", obf, false}}},
		{"手机微信同号", "手机微信同号：13987654321", []dhit{{wechat, "微信同号：13987654321", plain, false}, {phone, "13987654321", plain, false}}},
		{"vx同手机", "vx同手机", []dhit{{wechat, "vx同手机", obf, false}}},
		{"V同号", "V同号 18600001111", []dhit{{wechat, "V同号 18600001111", obf, false}, {phone, "18600001111", plain, false}}},
		{"微同号", "微同号，随时联系", []dhit{{wechat, "微同号", obf, false}}},
		{"同号微信", "电话 13912348765，同号微信", []dhit{{phone, "13912348765", plain, false}, {wechat, "同号微信", plain, false}}},
		{"heavy plus 薇", "感兴趣➕薇 abc_001", []dhit{{wechat, "➕薇 abc_001", obf, false}}},
		{"加威", "想了解的加威 rich_88", []dhit{{wechat, "加威 rich_88", obf, false}}},
		// held9f: 徽 like 微, q号, and 扣 before a colon or a space and a QQ number.
		{"加徽", "详情加徽 rich_8899", []dhit{{wechat, "加徽 rich_8899", obf, false}}},
		{"徽 colon", "徽：money_king88", []dhit{{wechat, "徽：money_king88", obf, false}}},
		{"Q号", "Q号 2837465910 私聊", []dhit{{wechat, "Q号 2837465910", obf, false}}},
		{"扣 colon", "有需要的扣：28374659", []dhit{{wechat, "扣：28374659", obf, false}}},
		{"扣 space", "私聊扣 928374651", []dhit{{wechat, "扣 928374651", obf, false}}},
		{"demonstrative before the id", "加我vx这个号abc12345好吗", []dhit{{wechat, "加我vx", obf, false}}},
		{"微 and a heart", "微❤ yy8888", []dhit{{wechat, "微❤ yy8888", obf, false}}},
		{"薇 and a heart", "薇♥：abc12345 私聊", []dhit{{wechat, "薇♥：abc12345", obf, false}}},
		{"电话同微", "电话同微 13612345678", []dhit{{wechat, "电话同微", obf, false}, {phone, "13612345678", plain, false}}},
		{"手机同微 alone", "手机同微，随时联系", []dhit{{wechat, "手机同微", obf, false}}},
		{"手机号即微信号", "手机号即微信号", []dhit{{wechat, "手机号即微信号", plain, false}}},
		{"微信就是手机号", "微信就是手机号，直接加", []dhit{{wechat, "微信就是手机号", plain, false}}},
		{"number 同微信", "15912345678 同微信", []dhit{{phone, "15912345678", plain, false}, {wechat, "15912345678 同微信", plain, false}}},
		{"加我微信", "感兴趣的加我微信", []dhit{{wechat, "加我微信", plain, false}}},
		{"加我微信好吗", "方便的话加我微信好吗", []dhit{{wechat, "加我微信", plain, false}}},
		{"微信号", "微信号：zhangsan_01", []dhit{{wechat, "微信号：zhangsan_01", plain, false}}},
		{"wechat colon", "WeChat：lucky2024", []dhit{{wechat, "WeChat：lucky2024", plain, false}}},
		{"加我wechat", "有兴趣加我wechat", []dhit{{wechat, "加我wechat", plain, false}}},
		{"weixin", "wei xin：abc123 咨询", []dhit{{wechat, "wei xin：abc123", obf, false}}},
		{"V colon", "V：abc12345 详聊", []dhit{{wechat, "V：abc12345", obf, false}}},
		{"威 colon", "威:abc123 有资料", []dhit{{wechat, "威:abc123", obf, false}}},
		{"加扣", "加扣：123456789 领取", []dhit{{wechat, "加扣：123456789", obf, false}}},
		{"加Q", "加Q 123456789", []dhit{{wechat, "加Q 123456789", plain, false}}},
		{"QQ群", "QQ群 123456789 进群领资料", []dhit{{wechat, "QQ群 123456789", plain, false}}},
		{"球球", "球球：123456789", []dhit{{wechat, "球球：123456789", obf, false}}},
		// The third red team's forms (red9c).
		{"号码即微信", "号码即微信", []dhit{{wechat, "号码即微信", plain, false}}},
		{"号码就是V信", "我的号码就是V信", []dhit{{wechat, "号码就是V信", obf, false}}},
		{"此号码同微信", "此号码同微信，13812345678", []dhit{{wechat, "号码同微信", plain, false}, {phone, "13812345678", plain, false}}},
		{"联系号码即微信", "联系号码即微信", []dhit{{wechat, "号码即微信", plain, false}}},
		{"wei信", "wei信 tom_9988", []dhit{{wechat, "wei信 tom_9988", obf, false}}},
		{"加wei信", "有事加wei信 abc_7788", []dhit{{wechat, "加wei信 abc_7788", obf, false}}},
		{"past id given", "之前的微信 abc12345 被封了，新微信 xyz67890", []dhit{{wechat, "微信 abc12345", plain, false}, {wechat, "微信 xyz67890", plain, false}}},
		{"question with id, not past", "加我微信 lucky_888 好吗？", []dhit{{wechat, "加我微信 lucky_888", plain, false}}},
		{"的 without a question", "加我微信的朋友请备注来意", []dhit{{wechat, "加我微信", plain, false}}},
		{"quoted request", "老师说：加我微信 abc12345 领资料", []dhit{{wechat, "加我微信 abc12345", plain, false}}},
		// 问 and 说 in words that report nobody's words (review3).
		{"疑问可加", "如有疑问可加我微信 zhang12345", []dhit{{wechat, "加我微信 zhang12345", plain, false}}},
		{"疑问可以加", "有任何疑问可以加我微信：abc12345", []dhit{{wechat, "加我微信：abc12345", plain, false}}},
		{"听说要加", "听说要加我微信 abc12345 才能领", []dhit{{wechat, "加我微信 abc12345", plain, false}}},
		{"顾问可加", "需要顾问可加我微信 gw_2024", []dhit{{wechat, "加我微信 gw_2024", plain, false}}},
		// red10: 嶶 drawn like 微, v我 before an id, 热线 同微信号.
		{"嶶信", "有需要的嶶信：kk50698 详聊", []dhit{{wechat, "嶶信：kk50698", obf, false}}},
		{"加嶶", "感兴趣加嶶 lily_2024", []dhit{{wechat, "加嶶 lily_2024", obf, false}}},
		{"v我 id", "有需要的v我 lily24329", []dhit{{wechat, "v我 lily24329", obf, false}}},
		{"V我 colon", "想做的V我：tom_8899", []dhit{{wechat, "V我：tom_8899", obf, false}}},
		{"微 space id", "微 lily58327，同城优先", []dhit{{wechat, "微 lily58327", obf, false}}},
		{"微 spaces id", "详情 微  tom_2024 备注", []dhit{{wechat, "微  tom_2024", obf, false}}},
		{"蔻蔻", "蔻蔻 595032250 私聊", []dhit{{wechat, "蔻蔻 595032250", obf, false}}},
		{"卫星 id", "卫星 lily87862 拉群", []dhit{{wechat, "卫星 lily87862", plain, false}}},
		{"卫星号", "卫星号：tom_2024 备注来意", []dhit{{wechat, "卫星号：tom_2024", plain, false}}},
		{"热线同微信号", "咨询热线同微信号", []dhit{{wechat, "热线同微信号", plain, false}}},
		// review10: after 卫星, 蔻蔻 or 微 alone the id ends its clause or
		// a word of contacting follows; 加 before them needs neither.
		{"卫星 id at the end", "有事找我 卫星 lily87862", []dhit{{wechat, "卫星 lily87862", plain, false}}},
		{"卫星 id, comma", "卫星 lily87862，同城", []dhit{{wechat, "卫星 lily87862", plain, false}}},
		{"加卫星", "加卫星 tianlian2 有惊喜", []dhit{{wechat, "加卫星 tianlian2", plain, false}}},
		{"蔻蔻 then 详聊", "蔻蔻 595032250 详聊", []dhit{{wechat, "蔻蔻 595032250", obf, false}}},
		{"蔻蔻 at the end", "有意向的 蔻蔻：595032250", []dhit{{wechat, "蔻蔻：595032250", obf, false}}},
		{"客服热线同微", "客服热线同微，欢迎来问", []dhit{{wechat, "热线同微", obf, false}}},
		{"v我 mobile", "有需要的v我 13812345678", []dhit{{wechat, "v我 13812345678", obf, false}, {phone, "13812345678", plain, false}}},
		{"电话同微信随时联系", "电话同微信随时联系", []dhit{{wechat, "电话同微信", plain, false}}},
		{"热线同微信 at the end", "订房热线同微信", []dhit{{wechat, "热线同微信", plain, false}}},
		// red13r: 胃信, QQ groups by number, 🐧 for QQ, 💚 for 绿
		{"胃信", "有意者胃信 lily8888", []dhit{{wechat, "胃信 lily8888", obf, false}}},
		{"胃信 colon", "兼职日结，胃信：tina_0521", []dhit{{wechat, "胃信：tina_0521", obf, false}}},
		{"q群", "进q群 123456789 领红包", []dhit{{wechat, "q群 123456789", obf, false}}},
		{"Q群 colon", "福利Q群：987654321", []dhit{{wechat, "Q群：987654321", obf, false}}},
		{"扣扣群", "扣扣群 55667788 每天带单", []dhit{{wechat, "扣扣群 55667788", obf, false}}},
		{"企鹅群", "企鹅群：334455667 速进", []dhit{{wechat, "企鹅群：334455667", obf, false}}},
		{"penguin", "🐧 12345678 私聊", []dhit{{wechat, "🐧 12345678", obf, false}}},
		{"penguin colon", "有需要的🐧：2233445566", []dhit{{wechat, "🐧：2233445566", obf, false}}},
		{"green heart bubbles", "💚泡泡 mm12345 私聊", []dhit{{wechat, "💚泡泡 mm12345", obf, false}}},
		// review rev13r: 只 after a number that is not round is "only"
		{"penguin only", "🐧 12345678 只接急单", []dhit{{wechat, "🐧 12345678", obf, false}}},
		{"q群 round no unit", "进q群 12345600 领红包", []dhit{{wechat, "q群 12345600", obf, false}}},
	})
}

func TestDetectWeChatTraps(t *testing.T) {
	runTraps(t, detectScanner(t), wechat, []string{
		"昨天你加我qq呢？", "你加过我微信吗", "我上周加了他微信", "你加我微信了吗？", "之前你加我微信的时候说过",
		"他加我qq了", "她说要加我微信", "我已经加了客户微信", "微信支付已到账", "企业微信里找我", "企业微信号 zhangsan01",
		"用微信支付12000元", "微信群里说", "发微信给我", "QQ邮箱收到了", "wxwidgets", "Q3 业绩 123456789", "加我微信群",
		"加微信支付", "我加你微信", "微信里同号码的人很多",
		"微❤", "我爱微❤", "同微博一样", "电话同微博账号都换了", "v❤❤我",
		"公众号文章 https://mp.weixin.qq.com/s/abc123", "官网 https://weixin.qq.com/ 下载", "https://u.wechat.com",
		// Someone else is the subject: a report, not a request.
		"上周有人加我微信说是猎头，大家注意", "他加我微信是为了对接支付网关的接口", "对方加我微信问报价",
		"她也加我微信了", "他们加我微信拉了个群",
		// A past-time word makes it a report, whoever the subject is.
		"他昨天加我qq问报价", "之前那个供应商加我微信聊过一次", "上次客户加我微信发了合同",
		"Please contact me on WeChat anytime", "My WeChat account is linked", "我们加q班吧", "微信群 abc123", "加我微信的那个客户是谁？", "刚才加我qq的是哪位？",
		// A question why objects to adding.
		"为什么要加我QQ？群里说不就行",
		// Reported words and a question about an id added before (red9c).
		"客户说要加我微信，我该加吗？", "客户问：可以加我微信吗？我该怎么答复", "老板问能不能加我微信", "昨天加的那个微信 zhangsan88 是你吗？", "加我微信的是人事吗？", "加我vx的那位是新同事吗", "上周加过的扣扣 12345678 是谁的？", "weixin.com", "干嘛加我微信？", "大家同号微信登录吗", "V社的同事", "微同事",
		// Another number's label ending in 号码 (review3).
		"订单号码同微信支付单号一起发我", "发票号码同微信里发的一致吗", "快递单号码同微信通知里的对不上", "工单号码同微信群里的编号一致",
		"身份证号码即微信实名用的那个", "银行卡号码同微信绑定的一致",
		// A same-number phrase asked about (review3).
		"号码同微信吗？你确认下", "我的号码即微信号吗？不是", "这个号码就是微信绑定的吗？", "手机号码同微信吗？", "电话 13812345678 就是微信吗",
		// Deductions and scores after 扣 (held9f).
		"本月扣款 2983 元", "迟到扣：3 分", "绩效扣 12000 元", "回扣 50000 要查", "折扣 88888 起", "积分扣 100000 积分",
		"被扣 15000 块", "纽扣 20000 颗的订单",
		// A relative clause before a demonstrative, asked about (held9f).
		// red10: v我50 asks for money in a joke, 嶶 alone is no trigger.
		"微信同号的那个客户已经签约了吗？", "V信同号吗？我试试", "他留的是微信同号吗",
		"稍微 changes 一下", "细微 改动 v2", "微 信群里说", "微 lily 你好", "显微镜 abc12345",
		"增加卫星数量", "北斗卫星 2024 年发射", "加卫星电话套餐", "卫星图 abc 看一下", "豆蔻年华",
		"周四了，v我50", "V我50看看实力",
		// review10: v我 before any amount is the same joke.
		"V我 88888 看看实力", "v我200000我就去加班", "老板v我 99999 年终奖", "谁v我 666666 我就请假", "v我 520520 就原谅你", "嶶山风景区", "热线电话打不通",
		// review10: a satellite's designation, a colleague named 蔻蔻 and a
		// number the sentence goes on about, 微 before a service's name.
		"卫星 dongfang3 号的遥测数据异常", "卫星 tianlian2 中继链路今天测试", "卫星号：sat2024 的轨道根数发一下",
		"卫星 leo128 星座的招标文件", "卫星 starlink 的报道看了吗", "卫星 cube3u 项目周会改到周四", "这颗卫星 abc123 需要重新标定",
		"卫星 mission1 的任务书", "卫星 ztt2024 星座方案评审", "卫星 tiangong2 对接演练",
		"蔻蔻 123456 这个工单你跟一下", "蔻蔻 10086 的投诉处理完了吗", "蔻蔻 12345678 的订单发货了吗", "问一下蔻蔻 20230615 那批货的情况",
		"@蔻蔻 123456789 这个合同号对一下", "蔻蔻 99999 条数据跑完了", "蔻蔻 900001 号单据作废", "蔻蔻 60000 件库存盘点完了",
		"蔻蔻 654321 是测试账号的密码吗",
		// review10: 同 as "and" between the hotline or phone and WeChat, two
		// channels the sentence goes on about.
		"客服热线同微信公众号的菜单一起更新", "热线同微信小程序都是24小时", "服务热线同微信客服一样处理投诉", "热线同微信渠道的工单合并统计",
		"请把热线同微信的咨询量做个对比", "热线同微信群的消息要同步", "热线同微信端的满意度调查", "热线同微信支付的退款流程",
		"客服热线同微信服务号都写在海报上", "电话同微信渠道的投诉一起统计", "手机同微信端的登录都要验证",
		"微 tom2024 是你吗", "微 service1 和 service2 的调用链", "微 page01 页面", "微 login2 页面",
		// red13r: the new triggers without an id
		"我胃不好，信不信由你", "胃信号不好就去医院", "项目q群里说了", "扣扣群里有通知", "今天带孩子去看🐧了", "🐧 3 只，海豹 2 只",
		"💚泡泡里聊", "企鹅群居在南极", "q群管理员是谁",
		// review rev13r: penguins counted (a round number and a measure word)
		"纪录片里🐧 20000 只一起迁徙", "南极企鹅群 50000 只，科考队数了三天", "这张图里企鹅群：12000只左右", "🐧 100000 只的数据来自新闻",
		"动物园的企鹅群 10000 只是谣言", "统计：🐧 30000 头海豹 500 头",
		"加我微信那个人是你们组的吗？", "加我vx这位是新来的实习生吗", "昨晚加我企业微信那家供应商靠谱吗？", "加我QQ那些人是HR拉的吗",
	})
}
