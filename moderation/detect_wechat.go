package moderation

// weChatTrigger is a word that introduces a WeChat or QQ id.
type weChatTrigger struct {
	text      []rune
	disguised bool // an evasive spelling (v信, vx, 薇信 …): "加" + it is a solicitation by itself
	qq        bool // QQ ids are digits only
	afterJia  bool // only counts right after 加 (加微, 加v)
}

func weChatTriggers() []weChatTrigger {
	list := []struct {
		s                       string
		disguised, qq, afterJia bool
	}{
		{"微信号", false, false, false}, {"企鹅号", false, true, false}, {"扣扣号", false, true, false},
		{"qq号", false, true, false}, {"微信", false, false, false}, {"威信", true, false, false},
		{"薇信", true, false, false}, {"v信", true, false, false}, {"vx", true, false, false},
		{"wx", true, false, false}, {"qq", false, true, false}, {"扣扣", true, true, false},
		{"企鹅", false, true, false}, {"微", true, false, true}, {"v", true, false, true},
	}
	out := make([]weChatTrigger, len(list))
	for i, t := range list {
		out[i] = weChatTrigger{text: []rune(t.s), disguised: t.disguised, qq: t.qq, afterJia: t.afterJia}
	}
	return out
}

func isHeart(r rune) bool {
	switch r {
	case '❤', '♥', '♡', '💗', '💕', '💖', '💓', '💙', '💚', '💛', '💜', '🧡', '🖤', '💘', '💝':
		return true
	}
	return false
}

// skipNoise returns the first index at or after p that is not noise.
func (s *Scanner) skipNoise(runes []rune, p int) int {
	for p < len(runes) && s.isNoise(runes[p]) {
		p++
	}
	return p
}

// matchTrigger matches a trigger word at p (noise between its letters
// skipped) and returns its end and the trigger, or -1.
func (s *Scanner) matchTrigger(runes []rune, p int, afterJia bool) (int, *weChatTrigger) {
	for ti := range s.triggers {
		t := &s.triggers[ti]
		if t.afterJia && !afterJia {
			if len(t.text) == 1 && t.text[0] == 'v' && p+1 < len(runes) && runes[p] == 'v' && isHeart(runes[p+1]) {
				return p + 2, t
			}
			continue
		}
		j := p
		ok := true
		for k, r := range t.text {
			if k > 0 {
				j = s.skipNoise(runes, j)
			}
			if j >= len(runes) || runes[j] != r {
				ok = false
				break
			}
			j++
		}
		if !ok {
			continue
		}
		if isLower(t.text[len(t.text)-1]) && j < len(runes) && isLower(runes[j]) && !hasIDWithDigit(runes, j) {
			// A latin trigger glued to a word ("wxwidgets") is not a trigger.
			continue
		}
		if j < len(runes) && isHeart(runes[j]) {
			j++
		}
		return j, t
	}
	return -1, nil
}

func hasIDWithDigit(runes []rune, p int) bool {
	for ; p < len(runes) && (isASCIIAlnum(runes[p]) || runes[p] == '_' || runes[p] == '-'); p++ {
		if runes[p] >= '0' && runes[p] <= '9' {
			return true
		}
	}
	return false
}

func isFiller(r rune) bool {
	switch r {
	case '号', '是', '为', '码', '搜', '索', '的', '私', '加', '我', '聊', ':':
		return true
	}
	return false
}

// findID returns the end of a WeChat/QQ id a few characters after p, or -1.
func (s *Scanner) findID(runes []rune, p int, qq bool) int {
	k := p
	for fillers := 0; k < len(runes) && k-p < 12; {
		r := runes[k]
		if s.isNoise(r) && r != '_' && r != '-' {
			k++
			continue
		}
		if fillers < 3 && isFiller(r) {
			k++
			fillers++
			continue
		}
		if fillers < 3 && r == 'i' && k+1 < len(runes) && runes[k+1] == 'd' && (k+2 == len(runes) || !isASCIIAlnum(runes[k+2])) {
			k += 2
			fillers++
			continue
		}
		break
	}
	if k >= len(runes) {
		return -1
	}
	switch r := runes[k]; {
	case isLower(r) && !qq:
		e := k
		for e < len(runes) && (isASCIIAlnum(runes[e]) || runes[e] == '_' || runes[e] == '-') {
			e++
		}
		if l := e - k; l >= 6 && l <= 20 {
			return e
		}
	case r >= '1' && r <= '9':
		e := k
		for e < len(runes) && runes[e] >= '0' && runes[e] <= '9' {
			e++
		}
		if l := e - k; l >= 5 && l <= 11 && (e == len(runes) || !isLower(runes[e])) {
			return e
		}
	}
	return -1
}

// detectWeChat finds WeChat/QQ solicitations: a trigger word followed by an
// id, or "加我"/"加" with a disguised trigger (加我微信, 加v信) alone.
// Ordinary talk about WeChat ("微信群里说", "用微信支付") has no id after the
// trigger and is not reported.
func (s *Scanner) detectWeChat(runes []rune, offs []int32, dst []Finding) []Finding {
	n := len(runes)
	t := s.norm.t
	for i := 0; i < n; i++ {
		r := runes[i]
		if t.hints(r)&hintTrigger == 0 {
			continue
		}
		if isLower(r) && i > 0 && isASCIIAlnum(runes[i-1]) {
			continue
		}
		alone := false
		var end int
		var t *weChatTrigger
		if r == '加' {
			j := s.skipNoise(runes, i+1)
			if j < n && runes[j] == '我' {
				alone = true
				j = s.skipNoise(runes, j+1)
			}
			end, t = s.matchTrigger(runes, j, true)
			if end < 0 {
				continue
			}
			alone = alone || t.disguised
		} else {
			end, t = s.matchTrigger(runes, i, false)
			if end < 0 {
				continue
			}
		}
		if idEnd := s.findID(runes, end, t.qq); idEnd > 0 {
			dst = append(dst, Finding{Kind: KindWeChatID, Start: int(offs[i]), End: int(offs[idEnd-1]) + 1})
			i = idEnd - 1
			continue
		}
		if alone {
			dst = append(dst, Finding{Kind: KindWeChatID, Start: int(offs[i]), End: int(offs[end-1]) + 1})
			i = end - 1
		}
	}
	return dst
}
