package moderation

// EmailValue appends to dst the address an e-mail finding stands for, read
// the way the e-mail detector reads it: folded (full width, case), an
// evasive at sign (艾特, 圈a, 在, 小老鼠, #, (at), [at], 【at】, (艾特) …) read as "@" and an evasive
// dot (点, 。, (dot), [dot], [.], 【点】, a spaced " . ") as ".", the spaces around
// them dropped, so name艾特qq点com, NAME＠QQ.COM and name(at)qq(dot)com all
// give name@qq.com. evidence is the text of a finding's span (or a value
// typed into a customer record file); ok is false when it holds no
// address (then dst is returned as it was).
func EmailValue(evidence string, dst []byte) (_ []byte, ok bool) {
	n := Normalizer{t: normTables()}
	runes, _, _ := n.Append(evidence, make([]rune, 0, 64), make([]int32, 0, 64))
	for k := 1; k < len(runes); k++ {
		switch runes[k] {
		case '@', '#', '艾', '圈', '在', '小', '(', '[', '{', '<', '【':
		case ' ':
			if !isASCIIAlnum(runes[k-1]) {
				continue
			}
		default:
			continue
		}
		next, _, hash := atSign(runes, k)
		if next < 0 || next >= len(runes) {
			continue
		}
		a := k
		for a > 0 && isLocalChar(runes[a-1]) && k-a < maxLocalPart {
			a--
		}
		for a < k && !isASCIIAlnum(runes[a]) {
			a++
		}
		if a == k {
			continue
		}
		start := len(dst)
		for _, r := range runes[a:k] {
			dst = append(dst, byte(r)) // isLocalChar: ASCII
		}
		dst = append(dst, '@')
		end, labels, _, _, out := scanHost(runes, next, true, dst)
		if labels == 1 && hash {
			// name#163#com: # for the dot too.
			if n, last, e := hashDotted(runes, next, end); n == 2 {
				out = append(out, '.')
				for _, r := range runes[last:e] {
					out = append(out, byte(r))
				}
				labels = n
			}
		}
		if labels < 2 {
			dst = out[:start]
			continue
		}
		return out, true
	}
	return dst, false
}
