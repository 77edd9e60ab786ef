package dlp

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// ColumnKind says what a customer record column holds and so how its
// values are found in messages.
type ColumnKind string

// Column kinds. Phone, ID card, bank card and e-mail values are found by
// the detectors; token columns (customer numbers, contract numbers) are
// matched against the message's runs of letters and digits.
const (
	KindPhone    ColumnKind = "phone"
	KindIDCard   ColumnKind = "id_card"
	KindBankCard ColumnKind = "bank_card"
	KindEmail    ColumnKind = "email"
	KindToken    ColumnKind = "token"
)

// tokenAliases are the kinds an import may name that are matched as tokens.
var tokenAliases = map[string]bool{"token": true, "customer_no": true, "contract_no": true, "account_no": true,
	"order_no": true, "member_no": true, "policy_no": true}

// ParseColumnKind returns the ColumnKind named s.
func ParseColumnKind(s string) (ColumnKind, error) {
	switch k := ColumnKind(strings.ToLower(strings.TrimSpace(s))); k {
	case KindPhone, KindIDCard, KindBankCard, KindEmail:
		return k, nil
	case "name":
		return "", fmt.Errorf("column kind %q: names cannot be matched exactly in chat text (Chinese is written without word breaks); leave the column out", s)
	default:
		if tokenAliases[string(k)] {
			return KindToken, nil
		}
	}
	return "", fmt.Errorf("unknown column kind %q (known: phone, id_card, bank_card, email, token, customer_no, contract_no, account_no, order_no, member_no, policy_no)", s)
}

// detectorKind returns the moderation kind whose findings a column of kind
// k holds (0 for tokens).
func (k ColumnKind) detectorKind() moderation.Kind {
	switch k {
	case KindPhone:
		return moderation.KindPhone
	case KindIDCard:
		return moderation.KindIDCard
	case KindBankCard:
		return moderation.KindBankCard
	case KindEmail:
		return moderation.KindEmail
	}
	return 0
}

// columnKindOf is the column kind of detector findings of kind k.
func columnKindOf(k moderation.Kind) ColumnKind {
	switch k {
	case moderation.KindPhone:
		return KindPhone
	case moderation.KindIDCard:
		return KindIDCard
	case moderation.KindBankCard:
		return KindBankCard
	case moderation.KindEmail:
		return KindEmail
	}
	return ""
}

// plainPhone reports whether raw is 11 ASCII digits.
func plainPhone(raw string) bool {
	if len(raw) != 11 {
		return false
	}
	for i := range len(raw) {
		if raw[i]-'0' > 9 {
			return false
		}
	}
	return true
}

// Normalize appends to dst the form of raw that is hashed for a column of
// kind k, and reports whether raw is a valid value of that kind. Numbers
// are read by moderation.NumberValue, as the detectors read them in
// messages; e-mail addresses by moderation.EmailValue, as the e-mail
// detector reads them (folded, evasive at signs and dots read as @ and .;
// an address it cannot read is only folded to lower case); tokens keep
// their letters (upper case) and digits.
func Normalize(k ColumnKind, raw string, dst []byte) ([]byte, bool) {
	start := len(dst)
	switch k {
	case KindPhone, KindIDCard, KindBankCard:
		if k == KindPhone && plainPhone(raw) {
			// What NumberValue gives for 11 ASCII digits, without its
			// per-byte appends: most findings are written so, and
			// NumberValue was a fifth of a random number's lookup
			// (callgrind; TestNormalizePlainPhone).
			return append(dst, raw...), raw[0] == '1' && raw[1] >= '3'
		}
		dst = moderation.NumberValue(k.detectorKind(), raw, dst)
		v := dst[start:]
		switch k {
		case KindPhone:
			return dst, len(v) == 11 && v[0] == '1' && v[1] >= '3'
		case KindIDCard:
			return dst, len(v) == 18 || len(v) == 15 && v[14] != 'X'
		default:
			return dst, len(v) >= 16 && len(v) <= 19 && v[len(v)-1] != 'X'
		}
	case KindEmail:
		// As the detector reads it (艾特, #, (at), 点, [dot] …), so that an
		// evasively written address matches the imported one.
		if v, ok := moderation.EmailValue(raw, dst); ok {
			return v, true
		}
		at := 0
		for _, r := range raw {
			r = foldWidth(r)
			switch {
			case r == ' ' || r == '\t':
				continue
			case r == '@':
				at++
			case r >= 'A' && r <= 'Z':
				r += 'a' - 'A'
			}
			dst = utf8.AppendRune(dst, r)
		}
		v := dst[start:]
		return dst, at == 1 && v[0] != '@' && v[len(v)-1] != '@'
	case KindToken:
		digits := 0
		for _, r := range raw {
			r = foldWidth(r)
			switch {
			case r >= '0' && r <= '9':
				digits++
			case r >= 'a' && r <= 'z':
				r -= 'a' - 'A'
			case r >= 'A' && r <= 'Z':
			default:
				continue // spaces, dashes, slashes: customer numbers are written with and without them
			}
			dst = append(dst, byte(r))
		}
		return dst, len(dst)-start >= minTokenLen && digits > 0
	}
	return dst, false
}

// minTokenLen is the fewest letters and digits a token value needs: shorter
// ones ("A1") would match ordinary text.
const minTokenLen = 5

// foldWidth maps full-width ASCII (Ａ１＠) to ASCII.
func foldWidth(r rune) rune {
	if r >= 0xFF01 && r <= 0xFF5E {
		return r - 0xFF01 + '!'
	}
	return r
}

// isTokenRune reports whether r is part of a token run in a message.
func isTokenRune(r rune) bool {
	r = foldWidth(r)
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '_' || r == '/'
}
