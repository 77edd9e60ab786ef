package moderation

import "slices"

// The address detector finds mainland street addresses: a chain of
// components, each a name and a suffix (北京市, 朝阳区, 建国路, 万科花园) or a
// number and a unit (88号, 3栋, 2单元, 501室). A chain is an address when it
// has a house number and a road, a division or a named place, so that bare
// city names, "区域经理" or "3号开会" are not. Names are found by the first
// suffix after the start, and a start is where ordinary words end (住在,
// 地址：, 寄到 …): hand-written because no maintained Go library parses
// Chinese addresses, and the cost must stay on messages that have a unit
// character at all (hintAddress).

// Kinds of address components.
const (
	compDivision  uint8 = 1 << iota // 省, 市, 区, 县, 镇, 乡, 村, 街道
	compRoad                        // 路, 街, 大道, 巷, 胡同, 弄
	compPlace                       // 小区, 花园, 大厦, 苑 …
	compHouse                       // a number and a unit: 88号, 3栋, 501室
	compBareHouse                   // a number and 号 alone, which is also a date (3号)
)

// addressUnits follow a house number, longest first.
var addressUnits = []string{"号楼", "号院", "单元", "号", "栋", "幢", "座", "室", "楼", "层", "弄", "期", "排", "门", "户", "组"}

// nameSuffixes end the named components, longest first within a kind.
var nameSuffixes = []struct {
	s    string
	kind uint8
}{
	{"自治区", compDivision}, {"自治州", compDivision}, {"街道", compDivision}, {"开发区", compDivision}, {"新区", compDivision},
	{"省", compDivision}, {"市", compDivision}, {"区", compDivision}, {"县", compDivision}, {"镇", compDivision},
	{"乡", compDivision}, {"村", compDivision},
	{"大道", compRoad}, {"大街", compRoad}, {"胡同", compRoad}, {"路", compRoad}, {"街", compRoad}, {"巷", compRoad},
	{"弄", compRoad}, {"道", compRoad},
	{"小区", compPlace}, {"花园", compPlace}, {"大厦", compPlace}, {"公寓", compPlace}, {"广场", compPlace},
	{"大楼", compPlace}, {"新村", compPlace}, {"家园", compPlace}, {"社区", compPlace}, {"中心", compPlace},
	{"园区", compPlace}, {"苑", compPlace}, {"园", compPlace}, {"府", compPlace}, {"城", compPlace}, {"公馆", compPlace},
	{"大院", compPlace}, {"宿舍", compPlace}, {"工业区", compPlace},
}

// notSuffix are words that begin with a suffix character but are ordinary
// words: 市场部 does not end a name at 市, 区域经理 not at 区.
var notSuffix = []string{"市场", "市值", "市民", "市面", "市级", "区域", "区别", "区分", "区块", "区间", "县城", "镇定", "镇静",
	"乡下", "村里", "路上", "路过", "路线", "路由", "路径", "路演", "道理", "道歉", "道具", "道路", "街坊", "城市", "中心思想",
	"园丁", "号码", "号线", "号召", "楼下", "楼上", "楼主", "层面", "层次", "门口", "组织", "组长", "期间", "期待", "期限"}

// isNameStop reports whether r is a character that does not occur in a
// place name but ends the ordinary words before an address (我住在, 请寄到,
// 地址是).
func isNameStop(r rune) bool {
	switch r {
	case '在', '住', '到', '于', '是', '址', '寄', '送', '往', '我', '你', '他', '她', '的', '了', '和', '与', '及',
		'请', '把', '给', '发', '来', '去', '从', '向', '让', '帮', '要', '想', '看', '说', '等', '就', '也', '都',
		'还', '这', '那', '吗', '呢', '吧', '啊', '呀', '哦', '嗯', '个':
		return true
	}
	return false
}

// Context words of an address.
var (
	// officeWords say the address is the company's own (a meeting notice).
	officeWords = []string{"会议地点", "会议室", "公司地址", "办公室", "办公地址", "总部", "我司", "本公司", "公司位于",
		"公司在", "会议", "开会", "培训", "面试", "报到", "集合", "年会", "活动地点", "办公", "门店地址", "分公司", "地点"}
	// customerWords say it is someone's home or a delivery address.
	customerWords = []string{"客户", "收货", "收件", "寄到", "寄给", "住址", "家住", "家庭", "送货", "配送", "快递到", "身份证",
		"户籍", "住在", "家在", "业主"}
)

// isAddressAnchor reports whether r is a unit character every address the
// detector reports contains (号, 栋, 室 …): the detector's hint.
func isAddressAnchor(r rune) bool {
	switch r {
	case '号', '栋', '幢', '座', '元', '室', '楼', '层', '弄', '组':
		return true
	}
	return false
}

// addressNumeral reports whether r can be part of a house number.
func addressNumeral(r rune) bool {
	if r >= '0' && r <= '9' || isChineseNumeral(r) {
		return r != '两' && r != '拐' && r != '勾' && r != '洞'
	}
	return r == '十' || r == '百' || r == '千'
}

// houseAt parses a house component at p: a number (or one or two latin
// letters, A座) and a unit. It returns its end and kind, or -1.
func houseAt(runes []rune, p int) (int, uint8) {
	j := p
	for j < len(runes) && j-p < 8 && (addressNumeral(runes[j]) || runes[j] == '-' && j > p) {
		j++
	}
	letters := false
	if j == p {
		for j < len(runes) && j-p < 2 && isLower(runes[j]) {
			j++
		}
		if j == p || j < len(runes) && isASCIIAlnum(runes[j]) || p > 0 && isASCIIAlnum(runes[p-1]) {
			return -1, 0
		}
		letters = true
	}
	for _, u := range addressUnits {
		if !hasPrefixRunes(runes[j:], u) || startsWithAny(runes[j:], notSuffix) {
			continue
		}
		if letters && u != "座" && u != "栋" && u != "幢" && u != "单元" && u != "区" {
			return -1, 0
		}
		end := j + len([]rune(u))
		if u == "号" {
			return end, compBareHouse
		}
		return end, compHouse
	}
	return -1, 0
}

func startsWithAny(rs []rune, words []string) bool {
	for _, w := range words {
		if hasPrefixRunes(rs, w) {
			return true
		}
	}
	return false
}

// namedAt parses a named component at p: one to eight Han characters and a
// suffix (the first one after p that is not an ordinary word). It returns
// its end and kind, or -1.
func namedAt(runes []rune, p int) (int, uint8) {
	if p >= len(runes) || singleSuffix(runes[p]) {
		return -1, 0 // a suffix does not start a name (Tribeca区Hudson街)
	}
	han := false
	for q := p + 1; q < len(runes) && q-p <= 12; q++ {
		r := runes[q-1]
		if !isHan(r) && !isLower(r) || isNameStop(r) {
			return -1, 0 // names are Han characters, with latin ones (望京SOHO)
		}
		han = han || isHan(r)
		if !han || q >= len(runes) || !suffixStart(runes[q]) || startsWithAny(runes[q:], notSuffix) {
			continue
		}
		for _, sfx := range nameSuffixes {
			if hasPrefixRunes(runes[q:], sfx.s) && !(q-p == 1 && runes[p] == '大' && sfx.kind == compRoad) {
				return q + len([]rune(sfx.s)), sfx.kind
			}
		}
	}
	return -1, 0
}

// singleSuffix reports whether r is a one-character suffix or unit, which
// never starts a name.
func singleSuffix(r rune) bool {
	switch r {
	case '号', '省', '市', '区', '县', '镇', '乡', '村', '路', '街', '巷', '弄', '道':
		return true
	}
	return false
}

// suffixStart reports whether r begins one of nameSuffixes: a cheap test
// before comparing the suffixes themselves.
func suffixStart(r rune) bool {
	switch r {
	case '自', '街', '开', '新', '省', '市', '区', '县', '镇', '乡', '村', '大', '胡', '路', '巷', '弄', '道',
		'小', '花', '公', '广', '家', '社', '中', '园', '苑', '府', '城', '工', '宿':
		return true
	}
	return false
}

// chainAt parses a chain of components from p (spaces allowed between
// them) and returns its end, the kinds seen and the number of components.
func chainAt(runes []rune, p int, ends *[16]int) (end int, kinds uint8, count, houses int) {
	// The first component must be a named one starting with a Han
	// character: "128号公路" is a road's name, "一座花园" a phrase, and
	// "Lark大街404号" not a mainland address.
	if p >= len(runes) || !isHan(runes[p]) {
		return p, 0, 0, 0
	}
	end = p
	j := p
	for j < len(runes) && count < maxComponents {
		var e int
		var k uint8
		if j == p {
			if e, k = namedAt(runes, j); e < 0 {
				break
			}
		} else if e, k = houseAt(runes, j); e < 0 {
			if e, k = namedAt(runes, j); e < 0 {
				if kinds&(compHouse|compBareHouse) != 0 {
					// A room number after a unit: 2单元501.
					if e = bareRoom(runes, j); e > 0 {
						k = compHouse
					}
				}
			}
		}
		if e < 0 {
			break
		}
		kinds |= k
		if ends != nil && count < len(ends) {
			ends[count] = e
		}
		count++
		if k&(compHouse|compBareHouse) != 0 {
			houses++
		}
		end = e
		j = e
		for j < len(runes) && runes[j] == ' ' {
			j++
		}
	}
	return end, kinds, count, houses
}

// maxComponents bounds a chain: a full address (省 市 区 街道 路 号 院 楼
// 单元 室) has about ten.
const maxComponents = 16

// bareRoom returns the end of a 3–4 digit room number at p (501, 三零一),
// or -1.
func bareRoom(runes []rune, p int) int {
	j := p
	for j < len(runes) && j-p < 5 && (runes[j] >= '0' && runes[j] <= '9' || isChineseNumeral(runes[j]) && addressNumeral(runes[j])) {
		j++
	}
	if l := j - p; l < 3 || l > 4 || j < len(runes) && isASCIIAlnum(runes[j]) {
		return -1
	}
	return j
}

// isAddress reports whether a chain is a street address.
func isAddress(kinds uint8, count, houses int) bool {
	if kinds&(compHouse|compBareHouse) == 0 || count < 2 {
		return false
	}
	if kinds&compRoad != 0 || kinds&compPlace != 0 && (kinds&compHouse != 0 || houses >= 2) {
		return true
	}
	// A division and house numbers: 朝阳区3栋2单元, not 深圳市3号 (a date).
	return kinds&compDivision != 0 && (kinds&compHouse != 0 || houses >= 2)
}

// detectAddresses finds street addresses. For each unit character after a
// number (88号, 3栋, 2单元) it looks back for the earliest start of a chain
// that reaches it, then reads the chain to its end.
func (s *Scanner) detectAddresses(runes []rune, offs []int32, dst []Finding) []Finding {
	done := 0
	var ends [16]int
	var office int8 // office context of the message: 0 not looked up, 1 yes, -1 no
	for u := 0; u < len(runes); u++ {
		if u < done || !isAddressAnchor(runes[u]) || !afterHouseNumber(runes, u) {
			continue
		}
		lo := u
		for lo > done && u-lo < 40 && (isHan(runes[lo-1]) || isASCIIAlnum(runes[lo-1]) || runes[lo-1] == ' ' || runes[lo-1] == '-') &&
			!isNameStop(runes[lo-1]) {
			lo--
		}
		if !slices.ContainsFunc(runes[lo:u], suffixStart) {
			continue // no named component can end before the unit
		}
		// Where the chain from lo has its component boundaries: a chain
		// may also start there.
		_, _, nEnds, _ := chainAt(runes, lo, &ends)
		nEnds = min(nEnds, len(ends))
		for p := lo; p < u; p++ {
			if p > lo && isHan(runes[p-1]) && !isNameStop(runes[p-1]) && !slices.Contains(ends[:nEnds], p) ||
				p > lo && isASCIIAlnum(runes[p-1]) && (isASCIIAlnum(runes[p]) || isLower(runes[p-1])) {
				continue // a chain starts after a stop or a component, never inside or right after a latin word
			}
			end, kinds, count, houses := chainAt(runes, p, nil)
			if end <= u || !isAddress(kinds, count, houses) {
				continue
			}
			start := p
			for start < end && runes[start] == ' ' {
				start++
			}
			fs, fe := findingSpan(runes, offs, start, end-1)
			f := Finding{Kind: KindAddress, Start: fs, End: fe, Form: FormDetector,
				Confidence: s.addressConfidence(runes, start, end, &office)}
			dst = append(dst, f)
			done = end
			u = end - 1
			break
		}
	}
	return dst
}

// afterHouseNumber reports whether the unit character at u follows a house
// number (88号, 三栋, 2单元, A座): most 号 and 楼 in chat do not (号码, 楼下).
func afterHouseNumber(runes []rune, u int) bool {
	k := u
	switch runes[u] {
	case '元':
		if k == 0 || runes[k-1] != '单' {
			return false
		}
		k--
	case '楼':
		if k > 0 && runes[k-1] == '号' {
			return false // 3号楼: the 号 before is the anchor
		}
	}
	if k == 0 {
		return false
	}
	r := runes[k-1]
	return addressNumeral(r) || isLower(r) && (runes[u] == '座' || runes[u] == '栋' || runes[u] == '幢' || runes[u] == '元')
}

// addressConfidence rates an address by its context: a customer's or a
// delivery address is sure; the company's own address in a meeting notice
// (会议地点, 公司地址, 办公室 … anywhere in the message, looked up once per
// message through office) is doubtful, unless customer words come right
// before it.
func (s *Scanner) addressConfidence(runes []rune, start, end int, office *int8) uint8 {
	if hasWordNear(runes, start, end, 12, 0, customerWords) {
		return confSure
	}
	if *office == 0 {
		*office = -1
		if slices.ContainsFunc(officeWords, func(w string) bool { return containsRunes(runes, w) }) {
			*office = 1
		}
	}
	if *office > 0 {
		return confNumberDoubtful
	}
	return confPlain - 10
}
