package moderation

import "slices"

// The context of an address says whose it is. A delivery or a home
// address (收货地址, 寄到, 住在, 我家在, a mobile number before it as in a
// parcel form) is someone's personal data; the company's own address (会议
// 地点, 公司地址, 门店, 展会, the hotel of a business trip, a signature) and
// a public place (医院, 地铁站, 机场, news of a road) are not. The nearest
// context word before the address decides; failing one, any in the
// message, office and public words first; failing any, the chain itself:
// a full address (a room, a road in a division …) is plain, a short one
// (建国路88号, 朝阳区3栋) held.

// Context words of an address, matched on folded text.
var (
	// addressCustomerWords say it is someone's home or a delivery address.
	addressCustomerWords = []string{"收货", "收件", "寄到", "寄给", "寄往", "寄件", "邮寄", "住址", "家住", "住在", "家在",
		"我住", "他住", "她住", "我家", "他家", "她家", "老家", "家里", "家是", "送到", "送货", "配送", "快递", "驿站", "身份证",
		"户籍", "业主", "住户", "详细地址", "所在地区", "搬家", "搬到", "退货", "客户地址", "客户的地址", "客户家", "客户住"}
	// addressOfficeWords say the address is the company's own or a
	// business one (a meeting notice, a shop, a fair, a trip's hotel).
	addressOfficeWords = []string{"会议", "开会", "公司", "我司", "总部", "本部", "办公室", "办公", "现场", "经理", "总监", "主管", "培训", "面试", "报到", "签到", "集合", "年会",
		"活动", "地点", "门店", "店", "展会", "展位", "展馆", "会展", "广交会", "博览会", "酒店", "宾馆", "出差", "拜访", "合作",
		"仓库", "工厂", "厂区", "供应商", "厂家", "经销商", "代理商", "注册地址", "营业执照", "开票", "前台", "发布会", "路演", "团建", "聚餐", "餐厅", "场地", "研发中心",
		"交流会", "regards"}
	// addressPublicWords say it is a public place or news of a road.
	addressPublicWords = []string{"医院", "诊所", "地铁", "站", "机场", "航站楼", "派出所", "法院", "民政局", "政务", "图书馆",
		"银行", "网点", "公园", "景区", "博物馆", "故宫", "塔", "新闻", "报道", "导航", "火灾", "事故", "堵车", "车祸", "体检",
		"商场", "超市", "学校", "政府"}
)

// The context words as runes, for nearestAddressContext.
var (
	addressCustomerRunes = runeWords(addressCustomerWords)
	addressOfficeRunes   = runeWords(addressOfficeWords)
	addressPublicRunes   = runeWords(addressPublicWords)
)

// Context classes of an address.
const (
	addrCtxNone int8 = iota
	addrCtxCustomer
	addrCtxOther // office or public
)

// addressContext remembers, per message, what context words it holds
// anywhere (looked up once, at its first address).
type addressContext struct {
	looked          bool
	other, customer bool
}

// addressWindow bounds how far before an address its context is read.
const addressWindow = 30

// confidence rates the address that starts at runes[start]; full is
// chain.isFull.
func (x *addressContext) confidence(runes []rune, start int, full bool) uint8 {
	switch nearestAddressContext(runes, start) {
	case addrCtxCustomer:
		return confSure
	case addrCtxOther:
		return confNumberDoubtful
	}
	if placeIsAt(runes, start) {
		return confNumberDoubtful
	}
	if !x.looked {
		x.looked = true
		x.other = anyWord(runes, addressOfficeWords) || anyWord(runes, addressPublicWords)
		x.customer = anyWord(runes, addressCustomerWords)
	}
	switch {
	case x.other:
		return confNumberDoubtful
	case x.customer:
		return confSure
	case full:
		return confPlain - 10
	}
	return confNumberDoubtful + 15 // held by a default min_confidence of 50
}

// nearestAddressContext finds the context word nearest before start, in
// its sentence (a comma or colon does not end it: 寄到我家楼下驿站就行，
// 桂林路128号): a customer word (customer words first where two end at
// the same place: 驿站 before 站), an office or public word, or a mobile
// number (the parcel form 张强 18612345678 四川省…). 住 right before the
// address is a customer's (我现在住青浦区…).
func nearestAddressContext(runes []rune, start int) int8 {
	if start > 0 && runes[start-1] == '住' {
		if tripLodging(runes, start-1, start) {
			return addrCtxOther
		}
		return addrCtxCustomer
	}
	for i := start; i > 0 && start-i < addressWindow; i-- {
		switch runes[i-1] {
		case '。', '!', '?', ';', '\n':
			return addrCtxNone
		}
		if n := endingWord(runes[:i], addressCustomerRunes); n > 0 {
			if endingWord(runes[:skipAdverbs(runes, i-n)], addressOfficeRunes) > 0 {
				return addrCtxOther // 公司搬到…, 门店收货…, 办公室已经搬到…
			}
			if runes[i-1] == '住' || runes[i-1] == '在' && runes[i-2] == '住' {
				if tripLodging(runes, i-n, start) {
					return addrCtxOther // 出差住在…酒店
				}
			}
			return addrCtxCustomer
		}
		if mobileEndsAt(runes, i) {
			return addrCtxCustomer
		}
		if endingWord(runes[:i], addressOfficeRunes) > 0 || endingWord(runes[:i], addressPublicRunes) > 0 {
			return addrCtxOther
		}
	}
	return addrCtxNone
}

// placeIsAt reports whether the address follows 在 or 位于 after a word
// that is not a person (迪士尼在…, 新店位于…; not 他在…, 我家在…, which
// nearestAddressContext has seen): a place said to be at the address.
func placeIsAt(runes []rune, start int) bool {
	i := start
	switch {
	case i >= 2 && runes[i-2] == '位' && runes[i-1] == '于':
		i -= 2
	case i >= 1 && runes[i-1] == '在':
		i--
	default:
		return false
	}
	if i == 0 || !isHan(runes[i-1]) {
		return false
	}
	switch runes[i-1] {
	case '我', '你', '他', '她', '们', '人', '住', '现', '就', '还', '也', '都', '正', '已':
		return false // a person is there (我现在在…, 他们在…)
	}
	return true
}

// mobileEndsAt reports whether a mainland mobile number (11 digits from 1)
// ends at i, with a gap after it (a space or a colon).
func mobileEndsAt(runes []rune, i int) bool {
	for i > 0 && (runes[i-1] == ' ' || runes[i-1] == ':' || runes[i-1] == ',') {
		i--
	}
	j := i
	for j > 0 && i-j < 12 && runes[j-1] >= '0' && runes[j-1] <= '9' {
		j--
	}
	return i-j == 11 && runes[j] == '1' && (j == 0 || !isASCIIAlnum(runes[j-1]))
}

// endingWord returns the length in runes of the first of words that rs
// ends with, or 0. It runs at every rune before an address for each list,
// so the words are runes, compared from their last one.
func endingWord(rs []rune, words [][]rune) int {
	if len(rs) == 0 {
		return 0
	}
	last := rs[len(rs)-1]
	for _, w := range words {
		if n := len(w); w[n-1] == last && n <= len(rs) && slices.Equal(rs[len(rs)-n:], w) {
			return n
		}
	}
	return 0
}

// runeWords converts a word list for endingWord.
func runeWords(words []string) [][]rune {
	out := make([][]rune, len(words))
	for i, w := range words {
		out[i] = []rune(w)
	}
	return out
}

func anyWord(runes []rune, words []string) bool {
	for _, w := range words {
		if containsRunes(runes, w) {
			return true
		}
	}
	return false
}

// skipAdverbs returns where the adverbs that may stand between an office
// word and a customer word end before i (公司已经搬到, 办公室也搬到).
func skipAdverbs(runes []rune, i int) int {
	for i > 0 {
		switch runes[i-1] {
		case '已', '经', '也', '都', '将', '要', '刚', '又', '就', '正', '式':
			i--
			continue
		}
		return i
	}
	return i
}

// tripWords say a stay is a business one: a trip, a team outing, a
// course, or a hotel.
var tripWords = []string{"出差", "团建", "培训", "年会", "参会", "会议", "展会", "酒店", "宾馆"}

// tripLodging reports whether the lodging word (住, 住在) at w, before the
// address at start, is a stay on business: a trip word in its sentence,
// before it or after the address (下周出差，住在…维也纳酒店; 团建住…的酒店),
// and the word is no home (家住在, 现在住). A trip that is over (出差回来)
// says nothing.
func tripLodging(runes []rune, w, start int) bool {
	if w > 0 && (runes[w-1] == '家' || runes[w-1] == '户' || runes[w-1] == '在' || runes[w-1] == '常') {
		return false // 家住在, 住户, 现在住, 常住
	}
	lo := w
	for lo > 0 && w-lo < addressWindow && !sentenceEnd(runes[lo-1]) {
		lo--
	}
	hi := start
	for hi < len(runes) && hi-start < 2*addressWindow && !sentenceEnd(runes[hi]) {
		hi++
	}
	for _, seg := range [][]rune{runes[lo:w], runes[start:hi]} {
		for _, t := range tripWords {
			for k := indexRunes(seg, t); k >= 0; {
				e := k + len([]rune(t))
				if !hasRunePrefix(seg[e:], []rune("回来")) && !hasRunePrefix(seg[e:], []rune("结束")) {
					return true
				}
				n := indexRunes(seg[e:], t)
				if n < 0 {
					break
				}
				k = e + n
			}
		}
	}
	return false
}

func sentenceEnd(r rune) bool { return r == '。' || r == '!' || r == '?' || r == ';' || r == '\n' }

// indexRunes returns the index in runes of the first w in rs, or -1.
func indexRunes(rs []rune, w string) int {
	wr := []rune(w)
	for i := 0; i+len(wr) <= len(rs); i++ {
		if slices.Equal(rs[i:i+len(wr)], wr) {
			return i
		}
	}
	return -1
}
