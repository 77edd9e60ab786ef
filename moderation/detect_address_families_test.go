package moderation_test

import "testing"

// The address detector's families (issue 9, 1e): personal and customer
// addresses as chat writes them, each with its position checked, and the
// company's own addresses, public places and numbers that are no address,
// none of which may be acted on.

func TestDetectAddressFamilies(t *testing.T) {
	s := detectScanner(t)
	t.Run("divisions", func(t *testing.T) {
		runDetect(t, s, []dcase{
			{"province city district road", "收货地址：湖南省长沙市开福区芙蓉中路一段478号", []dhit{{addr, "湖南省长沙市开福区芙蓉中路一段478号", plain, false}}},
			{"autonomous region", "寄到广西壮族自治区桂林市秀峰区中山中路12号", []dhit{{addr, "广西壮族自治区桂林市秀峰区中山中路12号", plain, false}}},
			{"county town", "我老家在江西省赣州市于都县贡江镇长征大道8号", []dhit{{addr, "江西省赣州市于都县贡江镇长征大道8号", plain, false}}},
			{"subdistrict", "家住深圳市宝安区新安街道宝民一路33号", []dhit{{addr, "深圳市宝安区新安街道宝民一路33号", plain, false}}},
			{"city named 成都", "寄到成都市青羊区东城根上街95号", []dhit{{addr, "成都市青羊区东城根上街95号", plain, false}}},
			{"district starting with 市", "我住在青岛市市北区辽宁路166号", []dhit{{addr, "青岛市市北区辽宁路166号", plain, false}}},
			{"district name ending 城", "收件地址：温州市鹿城区府前街9号", []dhit{{addr, "温州市鹿城区府前街9号", plain, false}}},
			{"full without context is plain", "浙江省宁波市江北区人民路132号", []dhit{{addr, "浙江省宁波市江北区人民路132号", plain, false}}},
			{"new area", "客户住在天津市滨海新区黄海路276号", []dhit{{addr, "天津市滨海新区黄海路276号", plain, false}}},
			{"district named with 都", "寄到广州市花都区新华街道公益路28号", []dhit{{addr, "广州市花都区新华街道公益路28号", plain, false}}},
			{"district named with 都, no city", "我住在江都区龙川北路88号", []dhit{{addr, "江都区龙川北路88号", plain, false}}},
			{"district named with 于", "收货地址：沈阳市于洪区黄河北大街88号", []dhit{{addr, "沈阳市于洪区黄河北大街88号", plain, false}}},
			{"district named with 从", "寄到广州市从化区街口街道河滨北路12号", []dhit{{addr, "广州市从化区街口街道河滨北路12号", plain, false}}},
			{"city named with 来", "寄到来宾市兴宾区城北路3号", []dhit{{addr, "来宾市兴宾区城北路3号", plain, false}}},
			{"city named with 都", "收货地址：贵州省黔南州都匀市剑江中路10号", []dhit{{addr, "贵州省黔南州都匀市剑江中路10号", plain, false}}},
			{"city without province", "帮我寄到苏州市姑苏区十全街747号", []dhit{{addr, "苏州市姑苏区十全街747号", plain, false}}},
		})
	})
	t.Run("no province or city", func(t *testing.T) {
		runDetect(t, s, []dcase{
			{"district and road", "我住在朝阳区小营路19号", []dhit{{addr, "朝阳区小营路19号", plain, false}}},
			{"road only, delivery", "寄到莫干山路50号", []dhit{{addr, "莫干山路50号", plain, false}}},
			{"road and estate", "我家在文二西路元茂大厦9楼", []dhit{{addr, "文二西路元茂大厦9楼", plain, false}}},
			{"avenue", "客户家在滨河大道3001号", []dhit{{addr, "滨河大道3001号", plain, false}}},
			{"street and lane", "她住在五道营胡同6号", []dhit{{addr, "五道营胡同6号", plain, false}}},
			{"名 with 和", "我家在和平路一百零八号", []dhit{{addr, "和平路一百零八号", plain, false}}},
			{"park road", "寄给我：花园路12号院2号楼", []dhit{{addr, "花园路12号院2号楼", plain, false}}},
			{"town road", "住在九堡镇德胜东路18号", []dhit{{addr, "九堡镇德胜东路18号", plain, false}}},
			{"road side", "送到我家，深南大道北6013号", []dhit{{addr, "深南大道北6013号", plain, false}}},
			{"short road without context is held", "中山北路200号", []dhit{{addr, "中山北路200号", plain, true}}},
		})
	})
	t.Run("estates", func(t *testing.T) {
		runDetect(t, s, []dcase{
			{"小区 building unit room", "我住在阳光小区3栋2单元502室", []dhit{{addr, "阳光小区3栋2单元502室", plain, false}}},
			{"花园", "客户住在丽江花园丽波轩9座1201", []dhit{{addr, "丽江花园丽波轩9座1201", plain, false}}},
			{"苑", "我家在金桥苑12幢3单元", []dhit{{addr, "金桥苑12幢3单元", plain, false}}},
			{"公寓", "寄到青年公寓B座808室", []dhit{{addr, "青年公寓B座808室", plain, false}}},
			{"号院 building", "我住在甜水园北里16号院2号楼", []dhit{{addr, "甜水园北里16号院2号楼", plain, false}}},
			{"estate without suffix", "我住融创壹号院7栋2单元1101", []dhit{{addr, "融创壹号院7栋2单元1101", plain, false}}},
			{"phase building unit room", "我住在万科金色家园2期5栋1单元1902", []dhit{{addr, "万科金色家园2期5栋1单元1902", plain, false}}},
			{"bare room after unit", "住在翠苑三区8幢2单元301", []dhit{{addr, "翠苑三区8幢2单元301", plain, false}}},
			{"letter zone", "我家是龙湖天街C区6号楼1503", []dhit{{addr, "龙湖天街C区6号楼1503", plain, false}}},
			{"estate full without context", "保利花园7栋2单元1102室", []dhit{{addr, "保利花园7栋2单元1102室", plain, false}}},
		})
	})
	t.Run("villages and lanes", func(t *testing.T) {
		runDetect(t, s, []dcase{
			{"village group", "老家是安徽省阜阳市临泉县谭棚镇王庄村三组", []dhit{{addr, "安徽省阜阳市临泉县谭棚镇王庄村三组", plain, false}}},
			{"village number", "我奶奶住在赵家村六组12号", []dhit{{addr, "赵家村六组12号", plain, false}}},
			{"township village", "寄到河北省邢台市威县常屯乡西王村5号", []dhit{{addr, "河北省邢台市威县常屯乡西王村5号", plain, false}}},
			{"shanghai lane", "我住在长乐路672弄33号", []dhit{{addr, "长乐路672弄33号", plain, false}}},
			{"lane room", "寄到上海市静安区武定路1100弄5号302室", []dhit{{addr, "上海市静安区武定路1100弄5号302室", plain, false}}},
			{"hutong courtyard", "我家在东城区南锣鼓巷雨儿胡同13号院", []dhit{{addr, "东城区南锣鼓巷雨儿胡同13号院", plain, false}}},
			{"new village", "住在曹杨新村12号楼", []dhit{{addr, "曹杨新村12号楼", plain, false}}},
			{"lane of a road", "收货地址：建国西路283弄8号", []dhit{{addr, "建国西路283弄8号", plain, false}}},
			{"alley", "客户家在宽窄巷子井巷12号", []dhit{{addr, "宽窄巷子井巷12号", plain, false}}},
			{"village team after 村 only", "家住李庄村二组", []dhit{{addr, "李庄村二组", plain, false}}},
		})
	})
	t.Run("numerals, widths, gaps, traditional", func(t *testing.T) {
		runDetect(t, s, []dcase{
			{"chinese numerals", "我家在解放路十八号", []dhit{{addr, "解放路十八号", plain, false}}},
			{"chinese room", "住在天通苑五区三号楼二单元六零一", []dhit{{addr, "天通苑五区三号楼二单元六零一", plain, false}}},
			{"full-width digits", "寄到鼓楼区湖南路１２号", []dhit{{addr, "鼓楼区湖南路１２号", plain, false}}},
			{"full-width room", "我住在翠湖花园３栋２单元８０１", []dhit{{addr, "翠湖花园３栋２单元８０１", plain, false}}},
			{"spaces between parts", "收货地址 江苏省 南京市 玄武区 中山路 18号", []dhit{{addr, "江苏省 南京市 玄武区 中山路 18号", plain, false}}},
			{"dashes between parts", "寄到：广东省-广州市-海珠区-江南大道中82号", []dhit{{addr, "广东省-广州市-海珠区-江南大道中82号", plain, false}}},
			{"middle dots", "住址：杭州市·西湖区·曙光路122号", []dhit{{addr, "杭州市·西湖区·曙光路122号", plain, false}}},
			{"traditional", "收貨地址：臺中路88號", []dhit{{addr, "臺中路88號", plain, false}}},
			{"traditional full", "我住在廣東省深圳市南山區科技園南區3棟", []dhit{{addr, "廣東省深圳市南山區科技園南區3棟", plain, false}}},
			{"slashes", "地址：四川省/成都市/武侯区/科华北路65号", []dhit{{addr, "四川省/成都市/武侯区/科华北路65号", plain, false}}},
			{"space before the unit", "收货地址：北京市朝阳区建国路 88 号", []dhit{{addr, "北京市朝阳区建国路 88 号", plain, false}}},
			{"spaced building unit room", "收货地址：北京市朝阳区望京西园三区 3 号楼 2 单元 501", []dhit{{addr, "北京市朝阳区望京西园三区 3 号楼 2 单元 501", plain, false}}},
			{"spelled out with spaces", "寄 到 北 京 市 朝 阳 区 建 国 路 8 8 号", []dhit{{addr, "北 京 市 朝 阳 区 建 国 路 8 8 号", plain, false}}},
			{"spelled out with dots", "寄到北.京.市.朝.阳.区.建.国.路.8.8.号", []dhit{{addr, "北.京.市.朝.阳.区.建.国.路.8.8.号", plain, false}}},
			{"spelled out estate", "我 住 在 阳 光 小 区 3 栋 2 单 元 5 0 2", []dhit{{addr, "阳 光 小 区 3 栋 2 单 元 5 0 2", plain, false}}},
			{"spaced estate", "我住在阳光小区 3 栋 2 单元 502 室", []dhit{{addr, "阳光小区 3 栋 2 单元 502 室", plain, false}}},
		})
	})
	t.Run("parcel forms", func(t *testing.T) {
		runDetect(t, s, []dcase{
			{"name phone address", "王磊 13912345678 江苏省常州市天宁区延陵西路99号", []dhit{{phone, "13912345678", plain, false}, {addr, "江苏省常州市天宁区延陵西路99号", plain, false}}},
			{"labelled form", "收件人：刘芳 电话：13700001111 地址：浙江省绍兴市柯桥区笛扬路1号", []dhit{{phone, "13700001111", plain, false}, {addr, "浙江省绍兴市柯桥区笛扬路1号", plain, false}}},
			{"mobile before short address", "赵六 15800002222 中山路88号", []dhit{{phone, "15800002222", plain, false}, {addr, "中山路88号", plain, false}}},
			{"brackets", "【收件人】孙七【地址】福建省福州市鼓楼区五四路158号", []dhit{{addr, "福建省福州市鼓楼区五四路158号", plain, false}}},
			{"detailed address", "详细地址：城关镇建设路36号", []dhit{{addr, "城关镇建设路36号", plain, false}}},
			{"lines", "收件人：周八\n地址：长宁区天山路600弄3号", []dhit{{addr, "长宁区天山路600弄3号", plain, false}}},
			{"customer record", "客户地址：西安市雁塔区科技路48号", []dhit{{addr, "西安市雁塔区科技路48号", plain, false}}},
			{"return address", "退货寄到：余杭区仓前街道文一西路1500号", []dhit{{addr, "余杭区仓前街道文一西路1500号", plain, false}}},
			{"moved", "他搬家了，现在住金沙江路1518弄2号", []dhit{{addr, "金沙江路1518弄2号", plain, false}}},
			{"station locker", "放我家楼下驿站，龙华区民治大道100号", []dhit{{addr, "龙华区民治大道100号", plain, false}}},
		})
	})
	t.Run("office and public addresses are held", func(t *testing.T) {
		runDetect(t, s, []dcase{
			{"meeting place", "会议地点：深圳市福田区福华一路6号免税商务大厦", []dhit{{addr, "深圳市福田区福华一路6号免税商务大厦", plain, true}}},
			{"company address", "公司地址：杭州市滨江区江南大道3588号", []dhit{{addr, "杭州市滨江区江南大道3588号", plain, true}}},
			{"company moved", "公司搬到徐汇区虹漕路88号了", []dhit{{addr, "徐汇区虹漕路88号", plain, true}}},
			{"shop", "新门店在朝阳区朝阳北路101号", []dhit{{addr, "朝阳区朝阳北路101号", plain, true}}},
			{"fair", "展会地址：上海市浦东新区龙阳路2345号", []dhit{{addr, "上海市浦东新区龙阳路2345号", plain, true}}},
			{"trip hotel", "出差的酒店订在南京市鼓楼区中山北路30号", []dhit{{addr, "南京市鼓楼区中山北路30号", plain, true}}},
			{"signature", "刘洋 | 华东区销售 | 某某有限公司 | 上海市长宁区仙霞路99号", []dhit{{addr, "上海市长宁区仙霞路99号", plain, true}}},
			{"hospital", "体检在北京市西城区西直门南大街11号人民医院", []dhit{{addr, "北京市西城区西直门南大街11号", plain, true}}},
			{"station", "火车站在南京市玄武区龙蟠路111号", []dhit{{addr, "南京市玄武区龙蟠路111号", plain, true}}},
			{"landmark is at", "东方明珠在浦东新区世纪大道1号", []dhit{{addr, "浦东新区世纪大道1号", plain, true}}},
			{"office moved", "我们上海办公室搬到了静安区南京西路1266号恒隆广场2座35楼", []dhit{{addr, "静安区南京西路1266号恒隆广场2座35楼", plain, true}}},
			{"company has moved", "公司已经搬到徐汇区虹漕路88号了", []dhit{{addr, "徐汇区虹漕路88号", plain, true}}},
			{"office moving", "办公室搬家了，新地址闵行区申长路988弄7号楼", []dhit{{addr, "闵行区申长路988弄7号楼", plain, true}}},
			{"team outing lodging", "我们去杭州团建，住西湖区北山街78号的香格里拉", []dhit{{addr, "西湖区北山街78号", plain, true}}},
			{"trip lodging, hotel after", "下周出差，住在南山区科苑路15号维也纳酒店", []dhit{{addr, "南山区科苑路15号", plain, true}}},
			{"client site", "明天上午到客户现场，朝阳区酒仙桥路10号恒通商务园", []dhit{{addr, "朝阳区酒仙桥路10号恒通商务园", plain, true}}},
			{"signature with title", "张伟 | 市场部经理 | 北京市朝阳区建国路88号SOHO现代城5号楼1201", []dhit{{addr, "北京市朝阳区建国路88号SOHO现代城5号楼1201", plain, true}}},
			{"supplier, spaced", "供应商地址 昆山市 花桥镇 绿地大道 231 弄 8 号", []dhit{{addr, "昆山市 花桥镇 绿地大道 231 弄 8 号", plain, true}}},
			{"check-in place", "签到地址：上海市闵行区莘庄工业区春东路508号", []dhit{{addr, "上海市闵行区莘庄工业区春东路508号", plain, true}}},
			{"signature title, spaces", "王芳 销售总监 上海市浦东新区张江路665号3号楼501", []dhit{{addr, "上海市浦东新区张江路665号3号楼501", plain, true}}},
		})
	})
	t.Run("homes stay personal beside business words", func(t *testing.T) {
		runDetect(t, s, []dcase{
			{"lives at", "我住在西湖区北山街78号", []dhit{{addr, "西湖区北山街78号", plain, false}}},
			{"home after a trip", "他出差回来了，他家住在海淀区学院路30号院7号楼", []dhit{{addr, "海淀区学院路30号院7号楼", plain, false}}},
			{"delivery during a trip", "出差期间快递寄到我家，朝阳区望京西园三区3号楼2单元501", []dhit{{addr, "朝阳区望京西园三区3号楼2单元501", plain, false}}},
			{"now lives, trip word", "培训结束后我现在住青浦区华新镇华志路123号", []dhit{{addr, "青浦区华新镇华志路123号", plain, false}}},
			{"manager's home", "王经理家住在朝阳区小营路19号", []dhit{{addr, "朝阳区小营路19号", plain, false}}},
		})
	})
}

func TestDetectAddressFamilyTraps(t *testing.T) {
	s := detectScanner(t)
	for name, texts := range map[string][]string{
		"office and meeting": {
			"本周例会地点：公司5号楼302会议室", "培训在总部大楼3层多功能厅", "面试地点：深圳市南山区海天二路33号腾讯滨海大厦",
			"请大家周一到新办公室报到：闵行区申长路988弄7号楼", "我司新地址：广州市天河区黄埔大道西100号富力盈泰大厦",
			"年会场地定在希尔顿酒店，朝阳区东三环北路1号", "分公司办公地址：郑州市郑东新区商务外环路20号",
			"集合地点：园区南门，高新南七道10号", "总部搬到了余杭区文一西路969号", "发布会在国家会议中心，天辰东路7号",
		},
		"business places": {
			"门店地址：成都市锦江区春熙路19号", "我们店在解放路88号，欢迎光临", "展位在深圳会展中心，福华三路111号9号馆",
			"出差住的宾馆在建国门内大街18号", "酒店地址：三亚市吉阳区海棠北路99号", "拜访客户：福田区深南大道6011号",
			"工厂在东莞市长安镇振安东路88号", "仓库地址：嘉兴市秀洲区洪兴西路2288号", "开票地址：北京市海淀区中关村南大街5号",
			"聚餐订在簋街，东直门内大街233号",
		},
		"public places and news": {
			"地铁4号线在西直门站换乘", "华山医院在乌鲁木齐中路12号", "机场T2航站楼3号门", "图书馆在中山东路189号",
			"新闻说延安东路100号着火了", "派出所在长寿路300号", "公园在龙华路2577号", "导航到人民路88号就到了",
			"银行在淮海中路99号", "博物馆位于人民大道201号",
		},
		"rooms, floors and work stations": {
			"去3号楼会议室", "工位在17楼A区12号", "请到5楼501室领工牌", "B座3层东侧", "我在18楼", "行政部在2号楼3层",
			"会议室在12层", "财务室在3楼", "新工位：6号楼4层402", "打印机在17楼茶水间旁",
		},
		"numbers, dates and models": {
			"第3期2单元的课程", "共有8栋楼要巡检", "今天3号，明天4号", "几号放假？", "下个月18号发工资", "iPhone 15 Pro",
			"型号XR-3000", "第2组第3名", "华南区2组完成目标", "国务院令第588号",
			"第 3 期 2 单 元 的 课 程", "请 大 家 到 3 号 楼 会 议 室", "今 天 是 3 月 8 号", "A B C D E F 3 号",
			"第 3 期 2 单元的课程", "共有 8 栋楼要巡检", "今天 3 号，明天 4 号", "去 3 号楼会议室", "华南区 2 组完成目标", "深圳市 3 号开会",
		},
	} {
		t.Run(name, func(t *testing.T) { runTraps(t, s, addr, texts) })
	}
}
