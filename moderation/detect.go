package moderation

// The detectors run over the normalized stream (noise kept, so that "@", "."
// and "/" are visible) and report original rune offsets. Each one only runs
// when the message holds a rune carrying its hint.

func (s *Scanner) detect(runes []rune, offs []int32, hints uint8, dst []Finding, sc *scratch) []Finding {
	d := s.detectors
	if hints&hintDigit != 0 && (d.Has(KindPhone) || d.Has(KindIDCard) || d.Has(KindBankCard)) {
		dst = s.detectNumbers(runes, offs, dst, sc)
	}
	if hints&hintAt != 0 && d.Has(KindEmail) {
		dst = detectEmails(runes, offs, dst, sc)
	}
	if hints&hintDot != 0 && d.Has(KindURL) {
		dst = s.detectURLs(runes, offs, dst, sc)
	}
	if hints&hintTrigger != 0 && d.Has(KindWeChatID) {
		dst = s.detectWeChat(runes, offs, dst)
	}
	return dst
}

func (s *Scanner) isNoise(r rune) bool { return s.code(r) == codeSkip }

// digitValue returns the value of an ASCII digit or a Chinese numeral, and
// whether r is a Chinese numeral.
func digitValue(r rune) (v int8, chinese, ok bool) {
	if r >= '0' && r <= '9' {
		return int8(r - '0'), false, true
	}
	if d, ok := chineseDigit(r); ok {
		return int8(d), true, true
	}
	return 0, false, false
}
