package moderation

// How digits are written: the styles and values of the characters the
// number detector reads as digits.

// digitStyle says how a digit was written, read from the original text. A
// change of style inside a run of digits is a boundary: ①13812345678 is the
// list marker ① and a phone number, not a 12-digit run.
type digitStyle uint8

// Digit styles.
const (
	styleASCII          digitStyle = iota // 0–9, full-width ０–９
	styleChinese                          // 一二三, 壹贰叁, radio numerals 幺两拐勾洞
	styleLetter                           // O for 0, l and I for 1
	styleCircled                          // ①, ⓪, ㉑
	styleParen                            // ⑴, ㈠
	styleStop                             // ⒈, 🄁
	styleNegCircled                       // ❶, ⓫, ⓿
	styleSansCircled                      // ➀
	styleNegSansCircled                   // ➊
	styleDoubleCircled                    // ⓵
	styleCircledHan                       // ㊀
	styleSuper                            // ¹
	styleSub                              // ₁
	styleMath                             // 𝟏
	styleOther                            // any other character that folds to a digit
)

// styleOf classifies the original character r of a digit.
func styleOf(r rune) digitStyle {
	switch {
	case r >= '0' && r <= '9', r >= '０' && r <= '９':
		return styleASCII
	case isChineseNumeral(r):
		return styleChinese
	case r == 'o' || r == 'O' || r == 'l' || r == 'I' || r == 'i' || r == 'ｏ' || r == 'Ｏ' || r == 'ｌ' || r == 'Ｉ':
		return styleLetter
	case r >= 0x2460 && r <= 0x2473, r == 0x24EA, r >= 0x3251 && r <= 0x325F, r >= 0x32B1 && r <= 0x32BF:
		return styleCircled
	case r >= 0x2474 && r <= 0x2487, r >= 0x3220 && r <= 0x3229:
		return styleParen
	case r >= 0x2488 && r <= 0x249B, r >= 0x1F100 && r <= 0x1F10A:
		return styleStop
	case r >= 0x24EB && r <= 0x24F4, r == 0x24FF, r >= 0x2776 && r <= 0x277F:
		return styleNegCircled
	case r >= 0x2780 && r <= 0x2789, r == 0x1F10B:
		return styleSansCircled
	case r >= 0x278A && r <= 0x2793, r == 0x1F10C:
		return styleNegSansCircled
	case r >= 0x24F5 && r <= 0x24FE:
		return styleDoubleCircled
	case r >= 0x3280 && r <= 0x3289:
		return styleCircledHan
	case r == 0xB9 || r == 0xB2 || r == 0xB3 || r >= 0x2070 && r <= 0x2079:
		return styleSuper
	case r >= 0x2080 && r <= 0x2089:
		return styleSub
	case r >= 0x1D7CE && r <= 0x1D7FF:
		return styleMath
	}
	return styleOther
}

// isDingbatDigit reports whether r is one of the enclosed digits NFKC leaves
// alone (❶, ➀, ➊, ⓵, ⓫, ⓿, and the zeros of the sans-serif blocks, 🄋 and
// 🄌, which Unicode added later outside them), which digitValues reads.
func isDingbatDigit(r rune) bool {
	return r >= 0x2776 && r <= 0x2793 || r >= 0x24EB && r <= 0x24FF || r == 0x1F10B || r == 0x1F10C
}

// digitValues returns the digits a normalized rune stands for (ASCII
// digits, Chinese numerals, and the enclosed digits NFKC does not fold:
// ❿ and ⓫ stand for two digits) and how many there are.
func digitValues(r rune) (v [2]int8, n int) {
	switch {
	case r >= '0' && r <= '9':
		return [2]int8{int8(r - '0')}, 1
	case r >= 0x2776 && r <= 0x2793:
		// Three blocks of ten: ❶–❿, ➀–➉, ➊–➓.
		d := (r - 0x2776) % 10
		if d == 9 {
			return [2]int8{1, 0}, 2
		}
		return [2]int8{int8(d + 1)}, 1
	case r >= 0x24F5 && r <= 0x24FE: // ⓵–⓾
		if r == 0x24FE {
			return [2]int8{1, 0}, 2
		}
		return [2]int8{int8(r - 0x24F5 + 1)}, 1
	case r == 0x24FF, r == 0x1F10B, r == 0x1F10C: // ⓿, 🄋, 🄌
		return [2]int8{0}, 1
	case r >= 0x24EB && r <= 0x24F4: // ⓫–⓴
		v := int8(r - 0x24EB + 11)
		return [2]int8{v / 10, v % 10}, 2
	}
	if d, ok := chineseDigit(r); ok {
		return [2]int8{int8(d)}, 1
	}
	return v, 0
}

// isSubstitute reports whether the letter at j spells a digit (o for 0,
// l or i for 1): the whole latin word around it is made of such letters
// and either touches a digit, at most four letters (l38OO…), or lies
// between two digits, at most eight (l87OOOOl234), or is a group of at
// most four set off from a digit on each side by one space or dash
// (l77-OOll-2233, l36 OOOO 9999).
func isSubstitute(runes []rune, offs []int32, j int) bool {
	if r := runes[j]; r != 'o' && r != 'l' && r != 'i' {
		return false
	}
	a, b := j, j+1
	for a > 0 && isLower(runes[a-1]) && b-a <= 8 {
		a--
	}
	for b < len(runes) && isLower(runes[b]) && b-a <= 8 {
		b++
	}
	if b-a > 8 {
		return false
	}
	for _, r := range runes[a:b] {
		if r != 'o' && r != 'l' && r != 'i' {
			return false
		}
	}
	_, before := digitValuesAt(runes, a-1)
	_, after := digitValuesAt(runes, b)
	touchBefore := before > 0 && offs[a]-offs[a-1] == 1
	touchAfter := after > 0 && offs[b]-offs[b-1] == 1
	if touchBefore && touchAfter {
		return true
	}
	if b-a > 4 {
		return false
	}
	if touchBefore || touchAfter {
		return true
	}
	return setOffDigit(runes, offs, a-1, -1) && setOffDigit(runes, offs, b, 1)
}

// setOffDigit reports whether runes[k] is one space or dash with a digit
// right beyond it in direction dir, nothing dropped on either side of it.
// The digit may itself be spelled, by at most four letters that touch a
// real digit further on (the OOOO of l3l OOOO 8888).
func setOffDigit(runes []rune, offs []int32, k, dir int) bool {
	if k < 1 || k+1 >= len(runes) || runes[k] != ' ' && runes[k] != '-' {
		return false
	}
	if _, n := digitValues(runes[k+dir]); n == 0 && !spelledTouchingDigit(runes, offs, k+dir, dir) {
		return false
	}
	return offs[k]-offs[k-1] == 1 && offs[k+1]-offs[k] == 1
}

// spelledTouchingDigit reports whether from j in direction dir at most four
// of the letters o, l, i run into a digit, nothing between them.
func spelledTouchingDigit(runes []rune, offs []int32, j, dir int) bool {
	for n := 0; n < 4 && j >= 0 && j < len(runes); n++ {
		if r := runes[j]; r != 'o' && r != 'l' && r != 'i' {
			return false
		}
		k := j + dir
		if k < 0 || k >= len(runes) || offs[max(j, k)]-offs[min(j, k)] != 1 {
			return false
		}
		if _, d := digitValues(runes[k]); d > 0 {
			return true
		}
		j = k
	}
	return false
}

func digitValuesAt(runes []rune, i int) ([2]int8, int) {
	if i < 0 || i >= len(runes) {
		return [2]int8{}, 0
	}
	return digitValues(runes[i])
}
