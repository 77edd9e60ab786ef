package bot

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/wecom-guard/wecom-guard/moderation"
	"github.com/wecom-guard/wecom-guard/rules"
)

// minScrubDigits is the shortest digit run scrub masks: a landline number
// without its area code has 7 or 8 digits, and shorter runs are times,
// counts and prices an excerpt needs to stay readable.
const minScrubDigits = 7

// emailLike finds e-mail addresses, also written with full-width letters,
// ＠ or a Chinese full stop, which a reader still recognizes. Compiled once
// and never changed: a regexp is safe for concurrent use.
var emailLike = regexp.MustCompile(`[A-Za-z0-9._%+\-Ａ-Ｚａ-ｚ０-９＿．－]+[@＠][A-Za-z0-9\-Ａ-Ｚａ-ｚ０-９－]+(?:[.．。][A-Za-z0-9\-Ａ-Ｚａ-ｚ０-９－]+)+`)

// scrub is the last line of defence before text leaves the bot (a report's
// quoted message, the evidence of an alert, a digest line): whatever the
// rules found or missed, every e-mail address and every run of 7 or more
// digits is masked, in the style of rules.Mask (138****5678,
// a***@example.com). Text the detectors already masked passes unchanged.
//
// A run is digits of any script (ASCII, full-width …), Chinese numerals and
// circled or enclosed numbers (①, ⑴, ❶ …), with invisible format characters
// (zero-width space, BOM) inside it ignored, so no mix of them shows a
// number. A single enclosed number before or after a number of 7 or more
// digits is a list number: it is kept and only the number masked
// (①13812345678 → ①138****5678). An ID card's check letter X after 17
// digits is masked with them.
func scrub(text string) string {
	text = emailLike.ReplaceAllStringFunc(text, func(addr string) string {
		return rules.Mask(moderation.KindEmail, addr)
	})
	runes := []rune(text)
	var out strings.Builder
	out.Grow(len(text))
	for i := 0; i < len(runes); {
		if digitClass(runes[i]) == notDigit {
			out.WriteRune(runes[i])
			i++
			continue
		}
		end := runEnd(runes, i)
		digits := digitsOf(runes, i, end)
		if len(digits) < minScrubDigits {
			out.WriteString(string(runes[i:end]))
			i = end
			continue
		}
		// A list number on either side is not part of the number.
		lead, trail := "", ""
		if rest := digits[1:]; digitClass(runes[digits[0]]) == enclosedDigit && digitClass(runes[rest[0]]) == plainDigit && len(rest) >= minScrubDigits {
			lead, digits = string(runes[i:rest[0]]), rest
		}
		n := len(digits)
		if rest := digits[:n-1]; digitClass(runes[digits[n-1]]) == enclosedDigit && digitClass(runes[rest[n-2]]) == plainDigit && len(rest) >= minScrubDigits {
			trail, digits = string(runes[rest[n-2]+1:end]), rest
		}
		first, last := digits[0], digits[len(digits)-1]+1
		kind := moderation.KindPhone
		if len(digits) >= 15 {
			kind = moderation.KindBankCard // first and last 4, as for cards and ID numbers
		}
		if len(digits) == 17 && trail == "" && end < len(runes) && strings.ContainsRune("xXｘＸ", runes[end]) {
			kind = moderation.KindIDCard
			last, end = end+1, end+1
		}
		out.WriteString(lead)
		out.WriteString(rules.Mask(kind, string(runes[first:last])))
		out.WriteString(trail)
		i = end
	}
	return out.String()
}

// runEnd returns the end of the run of digits starting at runes[i]: the
// index after its last digit, format characters between digits included.
func runEnd(runes []rune, i int) int {
	end := i + 1
	for j := end; j < len(runes); j++ {
		if digitClass(runes[j]) != notDigit {
			end = j + 1
		} else if !unicode.Is(unicode.Cf, runes[j]) {
			break
		}
	}
	return end
}

// digitsOf returns the indexes of the digits in runes[i:end].
func digitsOf(runes []rune, i, end int) []int {
	var idx []int
	for j := i; j < end; j++ {
		if digitClass(runes[j]) != notDigit {
			idx = append(idx, j)
		}
	}
	return idx
}

// Classes of digit characters: a run never mixes plain and enclosed ones.
const (
	notDigit = iota
	plainDigit
	enclosedDigit
)

// digitClass tells a decimal digit or Chinese numeral from an enclosed
// number (①, ⑴, ⒈, ❶, ➀ …, one digit each) and from anything else.
func digitClass(r rune) int {
	switch {
	case unicode.IsDigit(r), strings.ContainsRune("零〇一二三四五六七八九壹贰叁肆伍陆柒捌玖", r):
		return plainDigit
	case r >= '①' && r <= '⑨', r == '⓪', r >= '⑴' && r <= '⑼', r >= '⒈' && r <= '⒐',
		r >= '❶' && r <= '❾', r >= '➀' && r <= '➈', r >= '➊' && r <= '➒',
		r >= '⓵' && r <= '⓽', r == '⓿':
		return enclosedDigit
	}
	return notDigit
}
