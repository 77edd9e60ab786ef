package rules

// The table of context rules (the mechanism is in context.go): each is a
// named value, tried in order, and a hit says which one lowered it.

// contextRules are the context rules, in the order they are tried; the
// first that applies names the hit's context.
var contextRules = [...]contextRule{
	{
		Name:        "prohibition",
		Explanation: "a prohibition (严禁, 禁止, 不得, 请勿 …) before the phrase in the same clause: a notice forbidding it",
		Confidence:  30,
		Cues: []string{"严禁", "禁止", "不得", "请勿", "切勿", "杜绝", "不准", "不许", "不允许", "不可以",
			"谢绝", "拒绝", "远离", "抵制", "谨防", "警惕", "防范", "打击", "举报", "严厉查处"},
		Within: 12,
		Except: []string{"请勿打扰", "不得不", "禁止停车", "禁止吸烟", "禁止通行", "拒绝贫穷", "拒绝加班", "不准时"},
	},
	{
		Name:        "prohibition-verb",
		Explanation: "不要, 别 or 勿 right before the phrase, or before a verb of spreading or taking part (发布, 传播, 参与, 相信, 点击 …) that governs it",
		Confidence:  30,
		Cues:        []string{"不要", "别", "勿", "不能"},
		Within:      12,
		Except:      []string{"勿打扰", "不要钱", "不能错过", "别错过", "别犹豫", "不要犹豫"},
		Verbs: []string{"发", "传", "转发", "分享", "参与", "参加", "从事", "进行", "涉及", "相信", "轻信",
			"点击", "点开", "添加", "加入", "下载", "登录", "私自", "私下", "泄露", "透露", "外传", "买卖",
			"出售", "购买", "玩", "碰", "沾", "搞", "接受", "扫"},
	},
	{
		Name:        "workplace-handout",
		Explanation: "a free or scan-to-claim phrase in a sentence about a workplace handout or place (工牌, 饭卡, 体检, 前台, 行政, 员工, 参会证, 电子发票 …)",
		Confidence:  40,
		Phrases:     []string{"免费领取", "扫码领取", "点击领取"},
		Around: []string{"工牌", "工卡", "门禁卡", "饭卡", "餐卡", "餐券", "工服", "工装", "体检", "办公用品", "文具",
			"月饼", "粽子", "前台", "行政", "人事部", "工会", "食堂", "员工", "新同事", "入职", "年会", "工位", "会议室",
			// Handouts at events and in the office systems (red9b's traps).
			"茶水间", "下午茶", "参会证", "胸牌", "展会", "签到处", "报销", "电子发票",
			// Meeting and training papers (red9c: 扫码领取本周的会议纪要).
			"纪要", "课件", "讲义", "议程", "会议材料",
			// red10: 点击领取会议资料包, 扫码领取停车券.
			"会议资料", "停车券", "停车卡", "访客证"},
		Unless: []string{"红包", "现金", "返利", "返现", "佣金", "赚", "兼职", "加我", "微信", "私聊", "扫码进群", "下载",
			// The phishing that poses as an office notice (全体员工：个税补贴免费领取，点击链接).
			"链接", "补贴", "退税", "个税", "银行卡", "密码", "验证码", "http", "www"},
	},
	{
		Name:        "software-outsourcing",
		Explanation: "代开发发票 (代开发票 with 发 repeated), 代开发票务 or 代开发票据 in a sentence about software (系统, 模块, 小程序, 需求, 外包 …) and without words of selling (联系, 加我, 微信, 税点 …): 代开发 + 发票, 票务 or 票据, developing an invoicing, ticketing or receipt system for a client",
		Confidence:  40,
		// Or: 代开发 + 票据 or 票证 as well (外包团队代开发票据识别模块: held9f).
		Phrases: []string{"代开发票"},
		Written: []string{"代开发发票"},
		Or:      []string{"代开发票务", "代开发票据", "代开发票证"},
		Around: []string{"系统", "模块", "小程序", "程序", "软件", "平台", "项目", "需求", "功能", "接口", "外包", "开发商",
			"前端", "后端", "代码", "上线", "APP", "App", "app"},
		Unless: []string{"联系", "加我", "微信", "私聊", "找我", "电话", "税点", "点数", "正规", "专业", "增值税", "普票", "专票"},
	},
	{
		Name:        "anti-prefix",
		Explanation: "反 or 防 right before the phrase: the name of the fight against it (反洗钱培训, 反刷单系统, 防套现模型)",
		Confidence:  30,
		Cues:        []string{"反", "防"},
		Within:      0,
	},
	{
		Name:        "people-term",
		Explanation: "a word for a group of people right after the phrase (智障人士, 智障儿童): the neutral term, not an insult",
		Confidence:  40,
		Phrases:     []string{"智障", "脑残"},
		After:       []string{"人士", "儿童", "患者", "群体", "青少年", "学生", "家庭"},
	},
	{
		Name:        "legal-case",
		Explanation: "a word for a case or crime right after the phrase (案, 罪, 犯罪, 嫌疑, 团伙) and without words of an offer (招人, 日结, 加我 …): a case being discussed (法务部在审一起洗钱案的材料, 洗钱罪的量刑)",
		Confidence:  40,
		After:       []string{"案", "罪", "犯罪", "嫌疑", "团伙"},
		// An offer that names itself a gang (洗钱团伙招人，日结): review3.
		Unless: []string{"招人", "招募", "招聘", "日结", "加我", "私聊", "找我", "微信", "佣金", "接单", "渠道"},
	},
	{
		Name:        "benchmark",
		Explanation: "跑分平台 in a sentence about device performance (手机, 安兔兔, 性能, 芯片, 测评 …) and without words of earning (招, 日结, 收益, 佣金, 码商 …): a benchmark, not money-laundering scoring",
		Confidence:  40,
		Phrases:     []string{"跑分平台"},
		Around: []string{"手机", "电脑", "安兔兔", "鲁大师", "Geekbench", "geekbench", "性能", "芯片", "处理器", "显卡",
			"测评", "评测", "新机", "机型", "CPU", "GPU", "万分", "帧率"},
		Unless: []string{"招", "日结", "收益", "佣金", "码商", "收款", "代理", "赚", "返", "躺", "加我", "微信", "私聊", "银行卡", "二维码", "押金"},
	},
	{
		Name:        "workplace-vote",
		Explanation: "投票链接 in a sentence about a workplace election or survey (评选, 评优, 选举, 优秀员工, 职代会, 问卷 …) and without a friend's contest (宝宝, 孩子, 助力, 帮我 …)",
		Confidence:  40,
		Phrases:     []string{"投票链接"},
		Around:      []string{"评选", "评优", "选举", "优秀员工", "先进", "民主测评", "职代会", "工会", "问卷", "满意度"},
		Unless:      []string{"宝宝", "孩子", "萌娃", "小朋友", "朋友", "亲戚", "助力", "帮我", "帮忙", "拼多多", "砍"},
	},
	{
		// red10's traps: 警方通报：缴获冰毒两公斤, 反诈讲座：刷单返利都是骗局,
		// 课件里有一页讲网贷口子的危害, 电影里那个老虎机的镜头.
		Name:        "report",
		Explanation: "the phrase in a sentence that reports on it or warns of it (警方, 新闻, 缴获, 抓获, 骗局, 反诈, 危害, 合规, 电影 …) without words of an offer (加我, 私聊, 日结, 赚, 正规 …): news, a police notice, a training or a film, not the thing itself",
		Confidence:  40,
		Around: []string{"警方", "公安", "民警", "派出所", "法院", "检察院", "新闻", "报道", "通报", "缴获", "查获", "抓获",
			"破获", "打掉", "捣毁", "落网", "判处", "判刑", "骗局", "被骗", "受骗", "上当", "反诈", "防骗", "危害",
			"违法行为", "属于违法", "违法犯罪", "合规", "风控", "课件", "讲座", "电影", "电视剧", "纪录片",
			// What happened to someone who did it, and the cases and scripts of
			// anti-fraud training (red12: 有人推销刷单，被行政踢了; 去年有人在群里
			// 赌球被开除了; 钓鱼邮件常写"点击领取奖金").
			"开除", "处分", "已处理", "被踢", "踢了", "踢出", "案例", "话术", "钓鱼"},
		Unless: []string{"加我", "私聊", "私我", "找我", "联系我", "微信", "扣扣", "日结", "招人", "招募", "佣金", "名额",
			"赚", "稳", "正规", "靠谱", "放心", "保证", "不是骗", "渠道", "进群", "链接", "http", "www", "下载", "注册",
			// Words of selling or handing out (review10: 课件里的裸聊视频发你,
			// 合规部不管的代开发票，量大从优, 纪录片同款老虎机，来玩).
			"发你", "有需要", "需要的", "现货", "出售", "便宜", "价格", "量大", "从优", "同款", "来玩", "开局", "回本", "包过", "不管", "抓不到", "查不到"},
		InClause: true,
	},
	{
		// red10: 年会节目：斗地主比赛, 王者荣耀的美术外包报价来了.
		Name:        "workplace-game",
		Explanation: "a game's name in a sentence about the company's event or business with it (年会, 团建, 外包, 报价, 合同, 赞助, 版权 …) without words of playing it (开黑, 上分, 组队, 排位, 来一把 …)",
		Confidence:  40,
		Phrases:     []string{"王者荣耀", "和平精英", "英雄联盟", "斗地主"},
		Around:      []string{"年会", "团建", "工会", "外包", "报价", "合同", "赞助", "版权", "授权", "联运", "发行", "竞品", "美术", "投放"},
		Unless: []string{"开黑", "上分", "组队", "排位", "来一把", "一起玩", "带飞", "五排", "双排", "打一把", "下班玩", "摸鱼",
			// Playing for money or selling play (review10: 王者荣耀外包代练,
			// 和平精英赞助名额，外挂包过, 斗地主年会赛，赢钱现结).
			"代练", "陪玩", "外挂", "上号", "充值", "赢钱", "输钱", "现结", "赌"},
		InClause: true,
	},
	{
		// red12b's blind traps: 本公司一手货源，库存充足，下周一统一发货,
		// 区域招代理商，详情见附件《渠道政策》: a company describing its own
		// sales channel to colleagues, not an ad pasted into the group.
		Name:        "own-channel",
		Explanation: "厂家直销, 一手货源 or 招代理 in a sentence about the company's own supply chain or channel (经销商, 供应商, 采购, 报价单, 库存, 发货, 质检, 渠道政策 …) without words of soliciting (加我, 微信, 私聊, 日结, 宝妈, 零门槛, 代发 …)",
		Confidence:  40,
		Phrases:     []string{"厂家直销", "一手货源", "招代理"},
		Around: []string{"经销商", "分销商", "供应商", "采购", "报价单", "比价", "库存", "盘点", "发货", "仓库", "质检", "出厂价",
			"渠道部", "渠道政策", "渠道经理", "门店", "自提", "合同", "附件", "订单", "区域经理", "年会", "客户"},
		Unless: []string{"加我", "加V", "加v", "微信", "薇信", "私聊", "私信", "私我", "扣扣", "QQ", "qq", "联系我", "找我", "电话",
			"日结", "赚", "宝妈", "学生", "零门槛", "零投资", "无门槛", "在家", "手机", "一件代发", "代发", "进群", "扫码", "链接", "http", "www",
			"免费", "包邮", "招商", "加盟费", "佣金", "返利", "月入"},
	},
	{
		Name:        "latin-name",
		Explanation: "a Chinese word matched in pinyin that is a name written in Latin letters (Du Bo, DuBo), part of an e-mail address (dubo.li@…) or of a code (GDX-300), capitals naming a department or team (GDX 事业部), or a word of an English sentence",
		Confidence:  20,
		Latin:       latinName,
	},
}
