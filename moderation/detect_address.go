package moderation

import "slices"

// The address detector finds mainland street addresses: a chain of
// components, each a name and a suffix (北京市, 朝阳区, 建国路, 万科花园) or a
// number and a unit (88号, 3栋, 2单元, 501室). A chain is an address when it
// has a house number and a road, a division or a named place (or an estate
// named without a suffix, with building, unit and room), so that bare city
// names, "区域经理" or "3号开会" are not. Names are found by the first
// suffix after the start, and a start is where ordinary words end (住在,
// 地址：, 寄到 …). Hand-written: the Go packages for Chinese addresses
// (github.com/pupuk/addr, hyacinthus/addresscn) split a string already
// known to be an address into 省/市/区 by a division table; they neither
// find one in chat nor say whose it is (detect_address_context.go), and
// the cost must stay on messages that have a unit character at all
// (hintAddress).

// Kinds of address components.
const (
	compDivision  uint8 = 1 << iota // 省, 市, 区, 县, 镇, 乡, 村, 街道
	compRoad                        // 路, 街, 大道, 巷, 胡同, 弄
	compPlace                       // 小区, 花园, 大厦, 苑 …
	compHouse                       // a number and a unit: 88号, 3栋, 501室
	compBareHouse                   // a number and 号 alone, which is also a date (3号)
	compRoom                        // a room: 501室, or 3–4 digits after a unit (2单元501)
	compEstate                      // an estate named without a suffix, before its building (保利香槟国际7栋)
	compLabeled                     // a unit written as one: 2单元
)

// addressUnits follow a house number, longest first.
var addressUnits = []string{"号楼", "号院", "单元", "号", "栋", "幢", "座", "室", "楼", "层", "弄", "期", "排", "门", "户", "组", "区"}

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

// stopNames are place names that hold a stop character (成都, 和平路, 向阳
// 路): there the character is part of the name. A curated table, as no
// maintained Go package lists Chinese place names.
var stopNames = []string{"成都", "首都", "都江堰", "和平", "五和", "和睦", "太和", "永和", "中和", "和顺", "和兴", "发展",
	"来广营", "向阳", "于家", "于都", "个旧"}

// stopNameRunes are stopNames as runes, for stopAt.
var stopNameRunes = runeWords(stopNames)

// stopAt reports whether runes[i] is a stop (isNameStop) that is not part
// of one of stopNames. It runs on every rune the detector walks back over,
// so only the stops that stopNames hold look the table up.
func stopAt(runes []rune, i int) bool {
	r := runes[i]
	if !isNameStop(r) {
		return false
	}
	switch r {
	case '和', '都', '发', '来', '向', '于', '个', '从', '那':
	default:
		return true
	}
	// A division whose name holds the character (花都区, 江都区, 从化区, 于洪
	// 区, 来宾市, 都匀市, 那曲市): its suffix follows within two runes.
	for k := i + 1; k <= i+2 && k < len(runes) && isHan(runes[k]) && !isNameStop(runes[k]); k++ {
		if c := runes[k]; (c == '区' || c == '市' || c == '县') && !startsWithAny(runes[k:], notSuffixRunes) {
			return false
		}
	}
	for _, w := range stopNameRunes {
		for k, c := range w {
			if c == r && i-k >= 0 && i-k+len(w) <= len(runes) && slices.Equal(runes[i-k:i-k+len(w)], w) {
				return false
			}
		}
	}
	return true
}

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
// letters, A座) and a unit. It returns its end, kind and unit, or -1.
func houseAt(runes []rune, p int) (int, uint8, string) {
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
			return -1, 0, ""
		}
		letters = true
	} else if k := j; k < len(runes) && runes[k] == ' ' {
		// A space or two between the number and its unit, as input
		// methods and the habit of spacing digits write it (88 号, 3 号楼).
		for k < len(runes) && k-j < 2 && runes[k] == ' ' {
			k++
		}
		if k < len(runes) && isAddressAnchor(runes[k]) || hasRunePrefix(runes[k:], []rune("单元")) {
			j = k
		}
	}
	for ui, u := range addressUnits {
		if !hasRunePrefix(runes[j:], unitRunes[ui]) || startsWithAny(runes[j:], notSuffixRunes) {
			continue
		}
		if letters && u != "座" && u != "栋" && u != "幢" && u != "单元" && u != "区" {
			return -1, 0, ""
		}
		end := j + len(unitRunes[ui])
		switch u {
		case "号":
			return end, compBareHouse, u
		case "室":
			return end, compHouse | compRoom, u
		case "单元":
			return end, compHouse | compLabeled, u
		}
		return end, compHouse, u
	}
	return -1, 0, ""
}

func startsWithAny(rs []rune, words [][]rune) bool {
	for _, w := range words {
		if hasRunePrefix(rs, w) {
			return true
		}
	}
	return false
}

func hasRunePrefix(rs, w []rune) bool { return len(rs) >= len(w) && slices.Equal(rs[:len(w)], w) }

// The word lists as runes: the detector compares them at every suffix
// character it reads.
var (
	unitRunes      = runeWords(addressUnits)
	notSuffixRunes = runeWords(notSuffix)
	suffixRunes    = func() [][]rune {
		out := make([][]rune, len(nameSuffixes))
		for i, sfx := range nameSuffixes {
			out[i] = []rune(sfx.s)
		}
		return out
	}()
	roadSuffixRunes = runeWords([]string{"大道", "大街", "胡同"})
)

// namedAt parses a named component at p: one to twelve Han characters and
// a suffix (the first one after p that is not an ordinary word), read on
// over a suffix that another one follows at once (花园 + 路, 赵巷 + 镇, 南城
// + 区, 中关村 + 大街). first says whether the component starts a chain: a
// one-character suffix starts no chain (Tribeca区Hudson街), but may start a
// name after another component (青岛市市南区, 唐山市路北区). It returns the
// end and kind, or -1.
func namedAt(runes []rune, p int, first bool) (int, uint8) {
	if p >= len(runes) || runes[p] == '号' || first && singleSuffix(runes[p]) {
		return -1, 0
	}
	han := false
	end, kind := -1, uint8(0)
	for q := p + 1; q < len(runes) && q-p <= 12; q++ {
		r := runes[q-1]
		if !isHan(r) && !isLower(r) || stopAt(runes, q-1) {
			break // names are Han characters, with latin ones (望京SOHO)
		}
		han = han || isHan(r)
		if !han || !suffixStart(runes[q]) || startsWithAny(runes[q:], notSuffixRunes) {
			continue
		}
		for si, sfx := range nameSuffixes {
			if hasRunePrefix(runes[q:], suffixRunes[si]) && !(q-p == 1 && runes[p] == '大' && sfx.kind == compRoad) {
				end, kind = q+len(suffixRunes[si]), sfx.kind
				if !suffixFollows(runes, end) {
					return end, kind
				}
				q = end - 1
				break
			}
		}
	}
	return end, kind
}

// suffixFollows reports whether a division or road suffix begins at e,
// right after another suffix: the name reads on (花园路 is a road, 西乡街道
// a subdistrict).
func suffixFollows(runes []rune, e int) bool {
	if e >= len(runes) || startsWithAny(runes[e:], notSuffixRunes) {
		return false
	}
	switch runes[e] {
	case '省', '市', '区', '县', '镇', '乡', '村', '路', '街', '巷', '道':
		return true
	}
	return startsWithAny(runes[e:], roadSuffixRunes)
}

// roadTail returns the end of a road's section or side after the road's
// name at e (人民南路四段, 长江大道东段, 南海大道北68号), or e.
func roadTail(runes []rune, e int) int {
	j := e
	if j < len(runes) && isDirection(runes[j]) {
		j++
	}
	k := j
	for k < len(runes) && k-j < 3 && addressNumeral(runes[k]) && isHan(runes[k]) {
		k++
	}
	if k < len(runes) && runes[k] == '段' {
		return k + 1
	}
	if j > e && j < len(runes) && addressNumeral(runes[j]) {
		return j // 大道北68号: the side, then the number
	}
	return e
}

func isDirection(r rune) bool {
	return r == '东' || r == '西' || r == '南' || r == '北' || r == '中'
}

// estateAt parses an estate named without a suffix (保利香槟国际, 十里堡南里)
// at p: two to ten Han characters before a building (7栋, 十八号楼, 3期). It
// returns the end of the name, or -1; isAddress takes such a chain only
// with a building and a room.
func estateAt(runes []rune, p int) int {
	for q := p + 2; q < len(runes) && q-p <= 10; q++ {
		r := runes[q-1]
		if !isHan(r) || stopAt(runes, q-1) {
			return -1
		}
		if e, k, u := houseAt(runes, q); e > 0 && k&compHouse != 0 && u != "组" && u != "区" {
			return q
		}
	}
	return -1
}

// singleSuffix reports whether r is a one-character suffix or unit, which
// never starts a chain.
func singleSuffix(r rune) bool {
	switch r {
	case '号', '省', '市', '区', '县', '镇', '乡', '村', '路', '街', '巷', '弄', '道':
		return true
	}
	return false
}

// suffixStart reports whether r begins one of nameSuffixes: a cheap test
// before comparing the suffixes themselves. quick's gate (mayNamePlace)
// asks it of every rune of a message with a unit after a number, so it
// also holds 单, which every chain of an estate named without a suffix
// holds (保利香槟国际7栋2单元1102); not 室, which would wake the detector on
// every 会议室.
func suffixStart(r rune) bool {
	switch r {
	case '自', '街', '开', '新', '省', '市', '区', '县', '镇', '乡', '村', '大', '胡', '路', '巷', '弄', '道',
		'小', '花', '公', '广', '家', '社', '中', '园', '苑', '府', '城', '工', '宿', '单':
		return true
	}
	return false
}

// isChainGap reports whether r may stand between two components: a space
// or the dots and dashes of a form (江苏省-苏州市, 成都市·锦江区).
func isChainGap(r rune) bool { return r == ' ' || r == '·' || r == '-' || r == '/' || r == '—' }

// chain is what chainAt read.
type chain struct {
	end           int
	kinds         uint8
	count, houses int
}

// chainAt parses a chain of components from p (gaps allowed between them)
// and the ends of its components into ends.
func chainAt(runes []rune, p int, ends *[16]int) chain {
	// The first component must be a named one starting with a Han
	// character: "128号公路" is a road's name, "一座花园" a phrase, and
	// "Lark大街404号" not a mainland address.
	c := chain{end: p}
	if p >= len(runes) || !isHan(runes[p]) {
		return c
	}
	j := p
	village := false
	var prev uint8 // the last component's kind
	for j < len(runes) && c.count < maxComponents {
		var e int
		var k uint8
		var u string
		if j == p {
			if e, k = namedAt(runes, j, true); e < 0 {
				if e = estateAt(runes, j); e > 0 {
					k = compEstate
				}
			}
		} else if e, k, u = houseAt(runes, j); e < 0 || u == "组" && !village {
			// 组 is a village's group (王岗村五组), not a team (华南区2组).
			if e, k = namedAt(runes, j, false); e < 0 && c.kinds&(compHouse|compBareHouse) != 0 {
				// A room number after a unit: 2单元501.
				if e = bareRoom(runes, j); e > 0 {
					k = compHouse | compRoom
				}
			} else if e < 0 && prev&(compPlace|compRoad) != 0 {
				// A part of an estate named without a suffix, after a
				// place or road: 丽江花园丽波轩9座, 甜水园北里16号院.
				if e = estateAt(runes, j); e > 0 {
					k = compEstate
				}
			}
		} else if k == compBareHouse && village {
			k = compHouse // 西王村5号 is no date
		}
		if e < 0 {
			break
		}
		if k == compRoad {
			e = roadTail(runes, e)
		}
		village = k == compDivision && runes[e-1] == '村'
		prev = k
		c.kinds |= k
		if ends != nil && c.count < len(ends) {
			ends[c.count] = e
		}
		c.count++
		if k&(compHouse|compBareHouse) != 0 {
			c.houses++
		}
		c.end = e
		j = e
		for j < len(runes) && isChainGap(runes[j]) {
			j++
		}
	}
	return c
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
func (c chain) isAddress() bool {
	kinds := c.kinds
	if kinds&(compHouse|compBareHouse) == 0 || c.count < 2 {
		return false
	}
	switch {
	case kinds&compRoad != 0:
		return true
	case kinds&compPlace != 0 && (kinds&compHouse != 0 || c.houses >= 2 || c.count >= 4):
		// 碧桂园凤凰城凤祥苑十八号: three names before a bare 号.
		return true
	case kinds&compDivision != 0 && (kinds&compHouse != 0 || c.houses >= 2):
		// A division and house numbers: 朝阳区3栋2单元, not 深圳市3号 (a date).
		return true
	}
	// An estate without a suffix: its building, unit and room
	// (恒大绿洲3期16栋1单元502; quick's gate counts on the 单 of 单元).
	return kinds&compEstate != 0 && kinds&compRoom != 0 && kinds&compLabeled != 0 && c.houses >= 2
}

// isFull reports whether a chain is a full address, which names itself as
// one without any context: a room, a road in a division, or a named place
// with a building in a division or on a road. The others (建国路88号,
// 朝阳区3栋) are as often a shop's or a meeting's.
func (c chain) isFull() bool {
	k := c.kinds
	return k&compRoom != 0 || k&compRoad != 0 && k&compDivision != 0 ||
		k&compPlace != 0 && k&compHouse != 0 && k&(compDivision|compRoad) != 0 || c.count >= 5
}

// detectAddresses finds street addresses. For each unit character after a
// number (88号, 3栋, 2单元) it looks back for the earliest start of a chain
// that reaches it, then reads the chain to its end.
func (s *Scanner) detectAddresses(runes []rune, offs []int32, dst []Finding) []Finding {
	first := len(dst)
	dst = s.detectAddressesIn(runes, offs, dst)
	var runs [][2]int
	for p := 0; ; {
		lo, hi := spelledOutRun(runes, p)
		if lo < 0 {
			break
		}
		runs, p = append(runs, [2]int{lo, hi}), hi
	}
	if runs == nil {
		return dst
	}
	// An address spelled out with a separator after every character (寄 到
	// 北 京 市 朝 阳 区 建 国 路 8 8 号): read once more with the separators
	// of such runs dropped, keeping what overlaps a run and was not found.
	r2 := make([]rune, 0, len(runes))
	o2 := make([]int32, 0, len(runes))
	ri := 0
	for k, r := range runes {
		for ri < len(runs) && k >= runs[ri][1] {
			ri++
		}
		if ri < len(runs) && k >= runs[ri][0] && isSpellGap(r) {
			continue
		}
		r2, o2 = append(r2, r), append(o2, offs[k])
	}
	for _, f := range s.detectAddressesIn(r2, o2, nil) {
		if slices.ContainsFunc(dst[first:], func(g Finding) bool { return g.Kind == KindAddress && g.Start < f.End && f.Start < g.End }) {
			continue
		}
		if slices.ContainsFunc(runs, func(r [2]int) bool { return int(offs[r[0]]) < f.End && f.Start <= int(offs[r[1]-1]) }) {
			dst = append(dst, f)
		}
	}
	return dst
}

// isSpellGap reports whether r is a separator that spells a word out
// character by character.
func isSpellGap(r rune) bool { return r == ' ' || r == '.' || r == '·' || r == '*' || r == '_' }

// spelledOutRun finds from p the first run of at least six characters
// (Han or digits) each followed by one or two spell gaps, the last one
// excepted, and all but the first standing alone (北 京 市 朝 阳 区, 寄到北.
// 京.市), and returns its bounds, or -1.
func spelledOutRun(runes []rune, p int) (int, int) {
	single := func(r rune) bool { return isHan(r) || r >= '0' && r <= '9' }
	for i := p; i < len(runes); i++ {
		if !single(runes[i]) {
			continue
		}
		n, j, end := 1, i+1, i+1
		for {
			g := j
			for g < len(runes) && g-j < 2 && isSpellGap(runes[g]) {
				g++
			}
			if g == j || g >= len(runes) || !single(runes[g]) || g+1 < len(runes) && !isSpellGap(runes[g+1]) && single(runes[g+1]) {
				break
			}
			n, j, end = n+1, g+1, g+1
		}
		if n >= 6 {
			return i, end
		}
		i = end - 1
	}
	return -1, -1
}

func (s *Scanner) detectAddressesIn(runes []rune, offs []int32, dst []Finding) []Finding {
	done := 0
	var ends [16]int
	var ctx addressContext
	for u := 0; u < len(runes); u++ {
		if u < done || !isAddressAnchor(runes[u]) || !afterHouseNumber(runes, u) {
			continue
		}
		lo := u
		for lo > done && u-lo < 40 && (isHan(runes[lo-1]) || isASCIIAlnum(runes[lo-1]) || isChainGap(runes[lo-1])) &&
			!stopAt(runes, lo-1) {
			lo--
		}
		if !slices.ContainsFunc(runes[lo:u], suffixStart) {
			continue // no named component can end before the unit
		}
		// Where the chain from lo has its component boundaries: a chain
		// may also start there.
		nEnds := min(chainAt(runes, lo, &ends).count, len(ends))
		for p := lo; p < u; p++ {
			if p > lo && isHan(runes[p-1]) && !stopAt(runes, p-1) && !slices.Contains(ends[:nEnds], p) ||
				p > lo && isASCIIAlnum(runes[p-1]) && (isASCIIAlnum(runes[p]) || isLower(runes[p-1])) {
				continue // a chain starts after a stop or a component, never inside or right after a latin word
			}
			c := chainAt(runes, p, nil)
			if c.end <= u || !c.isAddress() {
				continue
			}
			start := p
			for start < c.end && isChainGap(runes[start]) {
				start++
			}
			fs, fe := findingSpan(runes, offs, start, c.end-1)
			f := Finding{Kind: KindAddress, Start: fs, End: fe, Form: FormDetector,
				Confidence: ctx.confidence(runes, start, c.isFull())}
			dst = append(dst, f)
			done = c.end
			u = c.end - 1
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
	if n := k; runes[k-1] == ' ' {
		for n > 0 && k-n < 2 && runes[n-1] == ' ' {
			n--
		}
		if n > 0 && addressNumeral(runes[n-1]) {
			return true // 88 号 (houseAt reads the spaces)
		}
	}
	r := runes[k-1]
	return addressNumeral(r) || isLower(r) && (runes[u] == '座' || runes[u] == '栋' || runes[u] == '幢' || runes[u] == '元')
}
