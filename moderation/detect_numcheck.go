package moderation

// What a digit sequence is: mobile, ID card and bank card checks, and
// the usual groupings of each.

// grouped reports whether groups split by dots, commas or line breaks have
// the usual grouping of a number of the kind: 3-4-4 or 3-8 for a mobile
// (after 86 or 0086), 6-8-4 for an ID card, fours for a bank card.
func grouped(kind Kind, gs []numGroup) bool {
	var l [24]int
	if len(gs) > len(l) {
		return false
	}
	for i, g := range gs {
		l[i] = g.end - g.start
	}
	ls := l[:len(gs)]
	eq := func(ls []int, want ...int) bool {
		if len(ls) != len(want) {
			return false
		}
		for i := range ls {
			if ls[i] != want[i] {
				return false
			}
		}
		return true
	}
	switch kind {
	case KindPhone:
		if len(ls) > 1 && (ls[0] == 2 || ls[0] == 4) && ls[0]+ls[1] != 11 {
			ls = ls[1:] // 86 or 0086
		}
		return eq(ls, 3, 4, 4) || eq(ls, 3, 8) || eq(ls, 7, 4) || singleDigits(gs)
	case KindIDCard:
		return eq(ls, 6, 8, 4) || eq(ls, 6, 4, 4, 4) || eq(ls, 6, 6, 3)
	case KindBankCard:
		for i, n := range ls {
			if i < len(ls)-1 && n != 4 || i == len(ls)-1 && (n < 1 || n > 4) {
				return false
			}
		}
		return len(ls) >= 4
	}
	return false
}

// singleDigits reports a number written a digit at a time, each after the
// same joiner (1,3,8,1,2,3,4,5,6,7,8): a separator after every character,
// which no ordinary grouping of a number uses.
func singleDigits(gs []numGroup) bool {
	for i, g := range gs {
		if g.end-g.start != 1 || i > 1 && g.join != gs[1].join {
			return false
		}
	}
	return len(gs) > 1
}

// numberKind returns the detector kind of a digit sequence (10 stands for a
// final X), or 0. Kinds whose detector is off are not reported, but a valid
// ID card number is never reported as a bank card.
func (s *Scanner) numberKind(v []int8) Kind {
	for _, d := range v[:len(v)-1] {
		if d > 9 {
			return 0
		}
	}
	var k Kind
	switch n := len(v); {
	case n == 11 && isMobile(v):
		k = KindPhone
	case n == 13 && v[0] == 8 && v[1] == 6 && isMobile(v[2:]):
		k = KindPhone
	case n == 15 && v[0] == 0 && v[1] == 0 && v[2] == 8 && v[3] == 6 && isMobile(v[4:]):
		k = KindPhone
	case n == 18 && validID18(v):
		k = KindIDCard
	case n == 15 && validID15(v):
		k = KindIDCard
	case n == 18 && idShaped(v):
		// Region and birth date of an ID card with a wrong check digit: a
		// mistyped ID card, not a bank card.
	case n >= 16 && n <= 19 && v[n-1] <= 9 && validBankCard(v):
		k = KindBankCard
	}
	if k != 0 && s.detectors.Has(k) {
		return k
	}
	return 0
}

func isMobile(v []int8) bool {
	return len(v) == 11 && v[0] == 1 && v[1] >= 3 && v[1] <= 9 && v[10] <= 9
}

// validRegion reports whether the first two digits are a province code.
func validRegion(a, b int8) bool {
	switch a {
	case 1:
		return b >= 1 && b <= 5
	case 2:
		return b >= 1 && b <= 3
	case 3:
		return b >= 1 && b <= 7
	case 4:
		return b >= 1 && b <= 6
	case 5:
		return b >= 0 && b <= 4
	case 6:
		return b >= 1 && b <= 5
	case 7:
		return b == 1
	case 8:
		return b >= 1 && b <= 3
	case 9:
		return b == 1
	}
	return false
}

func num(v []int8) int {
	n := 0
	for _, d := range v {
		n = n*10 + int(d)
	}
	return n
}

// validDate checks a calendar date; years are bounded to 1900..2099 instead
// of calling time.Now on the hot path.
func validDate(y, m, d int) bool {
	if y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
	if m == 2 && (y%4 == 0 && y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

// idShaped reports whether an 18-digit number has an ID card's region and
// birth date.
func idShaped(v []int8) bool {
	return validRegion(v[0], v[1]) && validDate(num(v[6:10]), num(v[10:12]), num(v[12:14]))
}

// validID18 checks region, birth date and the ISO 7064 MOD 11-2 check digit.
func validID18(v []int8) bool {
	if len(v) != 18 || !idShaped(v) {
		return false
	}
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(v[i]) * w
	}
	check := [11]int8{1, 0, 10, 9, 8, 7, 6, 5, 4, 3, 2}[sum%11]
	return v[17] == check
}

// validID15 checks an old 15-digit number: region and YYMMDD birth date.
func validID15(v []int8) bool {
	if len(v) != 15 || v[14] > 9 || !validRegion(v[0], v[1]) {
		return false
	}
	return validDate(1900+num(v[6:8]), num(v[8:10]), num(v[10:12]))
}

// validBankCard checks a plausible issuer first digit and the Luhn sum.
func validBankCard(v []int8) bool {
	switch v[0] {
	case 3, 4, 5, 6, 9:
	case 2:
		// Mastercard's 2-series (BINs 2221–2720, 16 digits, issued since
		// 2017). Other numbers starting with 2 — dates (2025…), order and
		// waybill numbers — stay out.
		if len(v) != 16 {
			return false
		}
		if bin := int(v[0])*1000 + int(v[1])*100 + int(v[2])*10 + int(v[3]); bin < 2221 || bin > 2720 {
			return false
		}
	default:
		return false
	}
	sum := 0
	double := false
	for i := len(v) - 1; i >= 0; i-- {
		d := int(v[i])
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}
