package moderation_test

import (
	"testing"

	"github.com/wecom-guard/wecom-guard/moderation"
)

const addr = moderation.KindAddress

func TestDetectAddress(t *testing.T) {
	runDetect(t, detectScanner(t), []dcase{
		{"full", "我住在北京市朝阳区建国路88号院3号楼2单元501室", []dhit{{addr, "北京市朝阳区建国路88号院3号楼2单元501室", plain, false}}},
		{"road and number, neutral label, held", "地址：建国路88号", []dhit{{addr, "建国路88号", plain, true}}},
		{"province city district", "收货地址：广东省深圳市南山区科技园南区3栋", []dhit{{addr, "广东省深圳市南山区科技园南区3栋", plain, false}}},
		{"shanghai lane", "寄到上海市徐汇区漕溪北路88弄12号", []dhit{{addr, "上海市徐汇区漕溪北路88弄12号", plain, false}}},
		{"estate", "客户住万科城市花园5栋1单元1202", []dhit{{addr, "万科城市花园5栋1单元1202", plain, false}}},
		{"county town", "浙江省杭州市余杭区良渚镇玉鸟路23号", []dhit{{addr, "浙江省杭州市余杭区良渚镇玉鸟路23号", plain, false}}},
		{"spaced", "北京市 海淀区 中关村南大街5号", []dhit{{addr, "北京市 海淀区 中关村南大街5号", plain, false}}},
		{"tower", "送货到望京SOHO大厦A座1502室", []dhit{{addr, "望京SOHO大厦A座1502室", plain, false}}},
		{"village", "家住河南省信阳市光山县十里镇王岗村五组", []dhit{{addr, "河南省信阳市光山县十里镇王岗村五组", plain, false}}},
		{"chinese numerals", "快递到长宁区仙霞路三百号二号楼", []dhit{{addr, "长宁区仙霞路三百号二号楼", plain, false}}},
		{"building only with district", "身份证地址是南京市鼓楼区3栋2单元", []dhit{{addr, "南京市鼓楼区3栋2单元", plain, false}}},
		{"lane", "杭州市西湖区文三路478号华星时代广场", []dhit{{addr, "杭州市西湖区文三路478号华星时代广场", plain, false}}},
		{"chinese room number", "家住哈尔滨香坊区电塔街电塔小区一百零六栋三零一。", []dhit{{addr, "哈尔滨香坊区电塔街电塔小区一百零六栋三零一", plain, false}}},
		{"office address is doubtful", "会议地点：北京市朝阳区建国路88号SOHO现代城A座12层", []dhit{{addr, "北京市朝阳区建国路88号SOHO现代城A座12层", plain, true}}},
		{"headquarters is doubtful", "公司总部在上海市浦东新区张江路666号", []dhit{{addr, "上海市浦东新区张江路666号", plain, true}}},
	})
}

func TestDetectAddressTraps(t *testing.T) {
	runTraps(t, detectScanner(t), addr, []string{
		"区域经理下周到北京", "北京市", "上海市浦东新区", "市场部3楼会议室", "3号开会", "会议室301", "深圳市3号举办发布会",
		"公司在5楼", "坐地铁2号线到人民广场", "明天10号楼下见", "我们区今年的业绩", "研发中心一共有三层", "请到3楼前台领取",
		"本周五在公司3号会议室开会，地点：北京市朝阳区建国路88号", "培训地点：深圳市南山区科技园南区3栋", "总部办公室在杭州市西湖区文三路478号",
		"路上堵车，晚点到", "道理我都懂", "第3期培训下周开始", "他在市里工作",
	})
}
