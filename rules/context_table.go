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
			"出售", "购买", "玩", "碰", "沾", "搞", "接受", "扫",
			// review ctx: 别点那个裸聊链接, 不要回那种刷单短信.
			"点", "回"},
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
			"会议资料", "停车券", "停车卡", "访客证",
			// red13p: the company's own events and samples (新品试用装免费领取,
			// 展位上的样品, 家属开放日, 会员日到店领取, 发布会的纪念品).
			"试用装", "样品", "纪念品", "小礼品", "帆布袋", "物料", "发布会", "开放日", "会员日", "到店", "疫苗", "接种券", "水果"},
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
		Lexical:     true,
	},
	{
		Name:        "people-term",
		Explanation: "a word for a group of people right after the phrase (智障人士, 智障儿童): the neutral term, not an insult",
		Confidence:  40,
		Phrases:     []string{"智障", "脑残"},
		After:       []string{"人士", "儿童", "患者", "群体", "青少年", "学生", "家庭"},
		Lexical:     true,
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
			"开除", "处分", "已处理", "被踢", "踢了", "踢出", "案例", "话术", "钓鱼",
			// Reported speech and what happened to the writer (red13p: 被拉进
			// 一个刷单群了, 有人问我要不要代开发票, 是谁把我拉进那个博彩群的,
			// 听说有人在网上赌博输了很多钱, 他说对方一直骂他傻逼).
			"被拉进", "拉进", "拉我进", "退群", "拉黑", "举报了", "拒绝了", "被人骗", "骗去", "诈骗", "冒充", "假冒",
			"听说", "据说", "有人问", "有人推销", "推销", "发现有人", "看到有人", "谁建的", "是谁", "谁知道", "谁拉",
			"收到过", "的短信", "小广告", "广告", "涉嫌", "涉毒", "被判", "判了", "骂他",
			"培训", "识别", "传言", "传闻", "查明", "嫌疑", "沉迷",
			// Someone else's words or doings told (客户投诉有人冒用我们的名义,
			// 同事反映收到了…, 这个梗被平台封了).
			"反映", "投诉", "问我", "告诉我", "提到", "冒用", "见过", "被封", "封了", "封号", "这个梗",
			// Someone else said it (red13p's third set: 有人自称客服让我刷单,
			// 警察来了解情况，说有员工参与网络赌博).
			"说有", "自称", "接到", "警察", "冒名", "劝他", "劝她", "怎么处理", "陌生人", "陌生号码", "人加我",
			// A scam told to warn colleagues (review ctx: 有人说加他微信能看裸聊，
			// 其实是裸聊敲诈; 对方让我下载APP刷单返利): what it does to the
			// victim, and who asked. An ask of the writer's own anywhere in
			// the message still keeps the rule off (ownAsk).
			"敲诈", "勒索", "骗钱", "骗子", "有人说", "对方让", "对方说", "对方要", "对方发", "对方称", "对方自称", "对方冒充", "让我加", "让我下载", "让我扫码", "让我注册", "让我进群", "让我转账",
			// A question someone put to the writer (客户私聊我问能不能代开发票).
			"问能不能", "问有没有", "问可不可以", "问我能", "问我有",
			// Talk about moderation itself (违禁词里有赌博吗, 刷单被屏蔽了,
			// 机器人误判了裸聊).
			"违禁词", "敏感词", "屏蔽词", "被屏蔽", "被拦截", "误判", "误报", "词库"},
		Unless: []string{"加我", "私聊", "私我", "找我", "联系我", "微信", "扣扣", "日结", "招人", "招募", "佣金", "名额",
			"赚", "稳", "正规", "靠谱", "放心", "保证", "不是骗", "不是诈骗", "渠道", "进群", "链接", "http", "www", "下载", "注册",
			"税点", "我这有", "这就有", "我这里有",
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
		Explanation: "厂家直销, 一手货源 or 招代理 in a sentence about the company's own supply chain or channel (经销商, 供应商, 采购, 报价单, 库存, 发货, 质检, 渠道政策 …) without a word of a pitch in its sentence (代发, 囤货, 副业, 兼职, 月入 …) or, anywhere in the message, a way to be contacted or joined or a reseller's terms (加我, 微信, 私聊, VX, 二维码, 货源群, 朋友圈, 日结, 宝妈, 零成本, 代理费 …)",
		Confidence:  40,
		Phrases:     []string{"厂家直销", "一手货源", "招代理"},
		Around: []string{"经销商", "分销商", "供应商", "采购", "报价单", "比价", "库存", "盘点", "发货", "仓库", "质检", "出厂价",
			"渠道部", "渠道政策", "渠道经理", "门店", "自提", "合同", "附件", "订单", "区域经理", "年会", "客户"},
		Unless: append([]string{"电话", "赚", "学生", "零投资", "无门槛", "在家", "手机", "一件代发", "代发",
			"免费", "包邮", "招商", "加盟费", "佣金", "返利", "月入"}, ownChannelPitch...),
		UnlessInMessage: append([]string{"加我", "加V", "加v", "微信", "薇信", "私聊", "私信", "私我", "扣扣", "QQ", "qq", "联系我", "找我",
			"进群", "扫码", "链接", "http", "www", "日结", "宝妈", "零门槛"}, ownChannelContact...),
	},
	{
		// red13p's blind traps: 门店招兼职收银员，周末两天, 我们在招兼职翻译，
		// 有合适的人选请推荐给我: the company hiring, not a side-job ad.
		Name:        "own-hiring",
		Explanation: "招兼职 in a sentence about the company's own hiring (a job title such as 收银员, 导购, 翻译, 服务员; 门店, 简历, 面试, 内推, 劳务协议 …) without words of a side-job ad (刷单, 打字, 点赞, 宝妈, 在家, 手机, 日结, 佣金, 加我, 微信 …)",
		Confidence:  40,
		Phrases:     []string{"招兼职"},
		Around: []string{"收银", "导购", "店员", "服务员", "传菜", "分拣", "理货", "促销员", "翻译", "讲师", "话务员", "客服", "实习生",
			"司机", "配送员", "保洁", "摄影", "助教", "助理", "设计师", "主持", "家教", "门店", "店长", "简历", "面试", "内推", "推荐", "岗位", "入职", "劳务", "社保", "时薪",
			"排班", "学生优先", "招聘", "人事", "HR", "校招", "寒假", "暑期", "暑假"},
		Unless: []string{"刷单", "刷信誉", "打字", "点赞", "关注", "宝妈", "在家", "手机", "动动手指", "轻松", "日结", "日赚", "日入",
			"月入", "佣金", "返利", "返现", "垫付", "押金", "会费", "零门槛", "无门槛", "加我", "加V", "加v", "微信", "薇信", "私聊",
			"私信", "私我", "QQ", "qq", "扣扣", "联系我", "找我", "进群", "扫码", "链接", "http", "www"},
	},
	{
		// red13p's blind traps: 代开发票需财务审批, 代开发票申请表已更新,
		// 税务局代开发票需要带营业执照: the tax office issues invoices for
		// small taxpayers on request (代开), a finance procedure, not a sale.
		Name:        "tax-office",
		Explanation: "代开发票 or 代开增值税 in a sentence about the finance or tax-office procedure (税务局, 税务大厅, 财务, 审批, 申请表, 流程, 小规模纳税人, 营业执照, 采购申请 …) without words of selling (联系, 加我, 微信, 税点, 正规, 量大, 做账, 各行业 …)",
		Confidence:  40,
		Phrases:     []string{"代开发票", "代开增值税"},
		Around: []string{"税务局", "税务大厅", "税局", "办税", "财务", "审批", "申请表", "申请", "流程", "小规模纳税人", "纳税人",
			"营业执照", "采购", "报销", "OA", "备注", "工作日",
			// A finance table's columns and roles (review ctx: | 科目 | 金额 |
			// 备注 | over | 办公用品 | 320 | 代开发票 |), read in the header too.
			"科目", "会计", "出纳", "台账", "凭证", "报税"},
		Unless: []string{"联系", "加我", "微信", "私聊", "私信", "找我", "电话", "税点", "点数", "点位", "个点", "正规", "专业", "量大", "从优",
			"优惠", "低价", "便宜", "保真", "可查", "可验", "真票", "包过", "做账", "走账", "平账", "冲账", "抵扣", "各行业", "全国",
			"渠道", "有需要", "需要的", "进群", "扫码", "链接", "http", "www"},
	},
	{
		// red13p: 禁止在群里骂人，例如"傻逼"这种词; 不要轻信"加V领取红包"的
		// 消息; 警惕「兼职刷单，日结工资」为名的诈骗 (context_quote.go).
		Name:        "quoted",
		Explanation: "the phrase inside quotation marks (\"\", “”, 「」, 『』, '') in a sentence that, outside the quotation, forbids, warns of, gives as an example or reports it (禁止, 不要, 警惕, 例如, 之类, 这种, 诈骗, 违禁词, 是谁 …) without words of an offer outside it, and no number or URL inside it: the bait quoted, not offered",
		Confidence:  30,
		Quoted:      true,
		Around: []string{"严禁", "禁止", "不得", "请勿", "切勿", "勿", "不要", "不能", "别信", "别点", "别加", "别转", "别相信", "别上当",
			"不准", "不许", "杜绝", "谨防", "警惕", "提防", "防范", "当心", "小心", "识别", "举报", "拒绝", "抵制", "远离", "轻信",
			"不碰", "不做", "红线",
			"例如", "比如", "譬如", "诸如", "例：", "类似", "之类", "这类", "这种", "此类", "一类", "字样", "违禁词", "敏感词",
			"不文明", "侮辱", "辱骂", "骂人", "用语", "话术", "骗局", "诈骗", "骗子", "骗术", "钓鱼", "套路", "冒充", "假冒",
			"是谁", "谁发", "谁转", "谁拉", "收到过", "培训", "课件", "考题", "守则", "规定", "制度", "准则", "区别", "为名", "名义"},
		Except: []string{"不要钱", "不能错过", "不要犹豫", "勿失良机", "不得了", "这种好事", "这种机会", "小心翼翼"},
		Unless: []string{"加我", "私聊", "私我", "找我", "联系我", "微信", "扣扣", "日结", "招人", "佣金", "名额", "赚", "稳",
			"正规", "靠谱", "放心", "保证", "不是骗", "不是诈骗", "渠道", "进群", "链接", "http", "www", "下载", "注册",
			"发你", "有需要", "需要的", "现货", "便宜", "价格", "量大", "从优", "来玩"},
	},
	{
		// review ctx: | 违禁词 | 色情、赌博 |, 敏感词库新增：裸聊、约炮、百家乐,
		// | 关键词 | 命中次数 | over | 赌博 | 12 |: the words moderation
		// itself lists, counts and tests, not used.
		Name:        "word-list",
		Explanation: "the phrase as an item of a list under a label naming a word list or a moderation check (违禁词, 敏感词, 屏蔽词, 关键词, 风险类型, 审核项, 示例 …): on its line before a colon, in the first cell of its table row or in the header of its table column; an item of at most four runes besides the phrase: the word listed, not used",
		Confidence:  30,
		Listed:      true,
		Around: []string{"违禁词", "敏感词", "屏蔽词", "关键词", "禁用词", "过滤词", "违规词", "风险词", "拦截词", "词库", "词表", "词条",
			"黑名单", "风险类型", "违规类型", "审核项", "审核规则", "拦截规则", "命中", "示例", "举例"},
	},
	{
		// review ctx: 有人冒充客服让我加vx刷单, 对方让我加微信办理退款.
		Name:        "reported-ask",
		Explanation: "a solicitation (加vx, 加微信) without an id that someone else made to the writer (有人, 对方, 骗子, 冒充, 让我 … earlier in its clause) or that its clause forbids (不要, 禁止 …): the approach told or warned of, not an offer",
		Confidence:  30,
		Detector:    true,
	},
	{
		Name:        "latin-name",
		Explanation: "a Chinese word matched in pinyin that is a name written in Latin letters (Du Bo, DuBo), part of an e-mail address (dubo.li@…) or of a code (GDX-300), capitals naming a department or team (GDX 事业部), or a word of an English sentence",
		Confidence:  20,
		Latin:       latinName,
		Lexical:     true,
	},
}
