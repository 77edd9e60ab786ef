package rules

import (
	"strings"
	"unicode/utf8"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// minMasked is how many characters of personal data are always hidden,
// however short the evidence.
const minMasked = 4

// Mask returns evidence of the given kind fit to show a group owner or HR:
// phone 138****5678, ID card 1101**********123X, bank card first 4 and last
// 4 digits, e-mail a***@example.com, URL host with the path masked, WeChat
// id first two characters and *** (an invite link like a URL), address its province, city and district
// and ***, anything else its first character and a
// * for each further one (赌**). Digits written full-width or as Chinese
// numerals are shown as ASCII digits. It never returns the raw value of a
// personal-data kind.
func Mask(kind moderation.Kind, evidence string) string {
	switch kind {
	case moderation.KindPhone:
		d := digits(evidence, false)
		if len(d) > 11 && strings.HasPrefix(d, "0086") {
			d = d[4:]
		} else if len(d) > 11 && strings.HasPrefix(d, "86") {
			d = d[2:]
		}
		return maskMiddle(d, 3, 4)
	case moderation.KindIDCard:
		return maskMiddle(digits(evidence, true), 4, 4)
	case moderation.KindBankCard:
		return maskMiddle(digits(evidence, false), 4, 4)
	case moderation.KindEmail:
		return maskEmail(evidence)
	case moderation.KindURL:
		return maskURL(evidence)
	case moderation.KindWeChatID:
		if isInviteLink(evidence) {
			return maskURL(evidence) // a group invite or contact card: its host, the code masked
		}
		return keepPrefix(evidence, 2) + "***"
	case moderation.KindAddress:
		return maskAddress(evidence)
	default:
		return maskWord(evidence)
	}
}

// isInviteLink reports whether a WeChat finding is a group invite or
// contact card link (weixin.qq.com/g/…, u.wechat.com/…) rather than an id.
func isInviteLink(s string) bool {
	s = strings.ToLower(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	return strings.HasPrefix(s, "weixin.qq.com/g/") && len(s) > len("weixin.qq.com/g/") ||
		strings.HasPrefix(s, "u.wechat.com/") && len(s) > len("u.wechat.com/")
}

// digits keeps the digits of s, read from ASCII, full-width, circled and
// Chinese numerals; with idLetter also the ID card check letter X.
func digits(s string, idLetter bool) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteByte(byte('0' + r - '０'))
		case r >= '①' && r <= '⑨':
			b.WriteByte(byte('1' + r - '①'))
		case r == '⓪':
			b.WriteByte('0')
		case idLetter && (r == 'x' || r == 'X' || r == 'ｘ' || r == 'Ｘ'):
			b.WriteByte('X')
		default:
			if d := strings.IndexRune(chineseDigits, r); d >= 0 {
				b.WriteByte(byte('0' + utf8.RuneCountInString(chineseDigits[:d])%10))
			} else if d := strings.IndexRune(chineseCapitalDigits, r); d >= 0 {
				b.WriteByte(byte('0' + utf8.RuneCountInString(chineseCapitalDigits[:d])%10))
			}
		}
	}
	return b.String()
}

// Chinese numerals by value; 〇 and 零 are both zero (index 10 → 0).
const (
	chineseDigits        = "零一二三四五六七八九〇"
	chineseCapitalDigits = "零壹贰叁肆伍陆柒捌玖"
)

// maskMiddle keeps head and tail runes of s and stars the rest, giving up
// kept runes until at least minMasked are hidden.
func maskMiddle(s string, head, tail int) string {
	n := utf8.RuneCountInString(s)
	for n-head-tail < minMasked && head+tail > 0 {
		if head >= tail {
			head--
		} else {
			tail--
		}
	}
	stars := max(n-head-tail, minMasked)
	if n == 0 {
		return strings.Repeat("*", minMasked)
	}
	h := len(keepPrefix(s, head))
	t := len(s) - len(keepSuffix(s, tail))
	var b strings.Builder // one allocation: evidence is masked on every hit
	b.Grow(h + stars + len(s) - t)
	b.WriteString(s[:h])
	for range stars {
		b.WriteByte('*')
	}
	b.WriteString(s[t:])
	return b.String()
}

// keepSuffix returns the last n runes of s.
func keepSuffix(s string, n int) string {
	i := len(s)
	for ; n > 0 && i > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return s[i:]
}

func keepPrefix(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

func maskWord(s string) string {
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return ""
	}
	first := keepPrefix(s, 1)
	var b strings.Builder
	b.Grow(len(first) + n - 1)
	b.WriteString(first)
	for range n - 1 {
		b.WriteByte('*')
	}
	return b.String()
}

func maskEmail(s string) string {
	at := strings.LastIndexAny(s, "@＠")
	if at < 0 {
		return maskWord(s)
	}
	_, size := utf8.DecodeRuneInString(s[at:])
	return keepPrefix(s[:at], 1) + "***@" + s[at+size:]
}

func maskURL(s string) string {
	scheme := ""
	rest := s
	if i := strings.Index(rest, "://"); i >= 0 {
		scheme, rest = rest[:i+3], rest[i+3:]
	}
	host, path := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		host, path = rest[:i], rest[i:]
	}
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:] // credentials in the URL are never shown
	}
	if path != "" && path != "/" {
		path = "/***"
	}
	return scheme + host + path
}

// maskAddress keeps the administrative divisions at the start of an
// address (北京市朝阳区) and hides the street, number and room. A division's
// name is short (朝阳区, 浦东新区, 乌鲁木齐市) or autonomous (广西壮族自治区):
// a longer one ending in 区 is a zone of an estate (望京西园三区), which it
// hides.
func maskAddress(s string) string {
	r := []rune(s)
	keep := 0
	for i, c := range r {
		if i >= 12 {
			break
		}
		if strings.ContainsRune("省市区县", c) && (i+1-keep <= 5 || i >= 2 && r[i-2] == '自' && r[i-1] == '治') &&
			isDivisionName(r, keep, i) {
			keep = i + 1
		} else if keep < i && strings.ContainsRune("路街巷号栋幢楼弄座室", c) {
			break // the street has begun: nothing after it is a division
		}
	}
	if keep == 0 || keep == len(r) {
		return maskWord(s)
	}
	return string(r[:keep]) + "***"
}

// isDivisionName reports whether r[from:i+1], which ends in 省, 市, 区 or
// 县, names a division rather than a place of the same ending: an estate or
// a park (幸福小区, 星湖社区, 产业园区, 莘庄工业区, 校区, 厂区, 景区), a zone
// numbered or lettered (三区, A区), a market (超市, 夜市), or the start of a
// road's name (园区路).
func isDivisionName(r []rune, from, i int) bool {
	if i == from {
		return false // a lone 区 or 市 names nothing
	}
	if i+1 < len(r) && strings.ContainsRune("路街巷道", r[i+1]) {
		return false // 园区路, 市场街
	}
	prev := r[i-1]
	if prev < 0x80 || prev >= 0xFF10 && prev <= 0xFF5A || strings.ContainsRune("一二三四五六七八九十〇零壹贰叁肆伍陆柒捌玖拾", prev) {
		return false
	}
	switch r[i] {
	case '区':
		return !strings.ContainsRune("小社园校厂景业营站港", prev)
	case '市':
		return !strings.ContainsRune("超门夜菜股集", prev)
	}
	return true
}
