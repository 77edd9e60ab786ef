package moderation

// NumberValue appends to dst the number a phone, ID card or bank card
// finding stands for, as ASCII digits (and a final X of an ID card), read
// the way the number detector reads it: full-width and enclosed digits,
// Chinese and radio numerals (幺三八), letters spelling digits (l38OO…),
// and any spaces, dashes or noise between the groups. A phone number loses
// its country code (+86, 0086), so every spelling of one number gives the
// same value. evidence is the text of the finding's span (or a value typed
// into a customer record file). It allocates only for evidence that is
// not plain ASCII.
func NumberValue(kind Kind, evidence string, dst []byte) []byte {
	start := len(dst)
	plain := true
	for i := 0; i < len(evidence); i++ {
		c := evidence[i]
		switch {
		case c >= '0' && c <= '9':
			dst = append(dst, c)
		case c == ' ' || c == '-' || c == '+' || c == '(' || c == ')' || c == '\t':
		case (c == 'x' || c == 'X') && kind == KindIDCard:
			dst = append(dst, 'X')
		default:
			plain = false
		}
		if !plain {
			break
		}
	}
	if !plain {
		dst = dst[:start]
		dst = numberValueFolded(kind, evidence, dst)
	}
	if kind == KindPhone {
		v := dst[start:]
		switch {
		case len(v) == 13 && v[0] == '8' && v[1] == '6':
			dst = append(dst[:start], v[2:]...)
		case len(v) == 15 && v[0] == '0' && v[1] == '0' && v[2] == '8' && v[3] == '6':
			dst = append(dst[:start], v[4:]...)
		}
	}
	return dst
}

// numberValueFolded is NumberValue through the normalizer, for evidence
// written with anything but ASCII digits and joiners.
func numberValueFolded(kind Kind, evidence string, dst []byte) []byte {
	n := Normalizer{t: normTables()}
	runes, offs, _ := n.Append(evidence, make([]rune, 0, 32), make([]int32, 0, 32))
	for j, r := range runes {
		if v, cnt := digitValues(r); cnt > 0 {
			for k := range cnt {
				dst = append(dst, byte('0'+v[k]))
			}
			continue
		}
		switch {
		case (r == 'o' || r == 'l' || r == 'i') && isSubstitute(runes, offs, j):
			if r == 'o' {
				dst = append(dst, '0')
			} else {
				dst = append(dst, '1')
			}
		case r == 'x' && kind == KindIDCard:
			dst = append(dst, 'X')
		}
	}
	return dst
}
