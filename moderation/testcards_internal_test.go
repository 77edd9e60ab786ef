package moderation

import "testing"

// TestTestCardsAreCards: every listed test number is a whole number the
// bank-card detector would report (16 to 19 digits, an issuer digit, the
// Luhn sum), listed once: an entry it would never report exempts nothing,
// and a prefix or a typo would not be a published number.
func TestTestCardsAreCards(t *testing.T) {
	if len(testCards) != len(testCardNumbers) {
		t.Errorf("%d numbers listed, %d distinct", len(testCardNumbers), len(testCards))
	}
	for _, n := range testCardNumbers {
		v := make([]int8, 0, len(n))
		for _, c := range n {
			if c < '0' || c > '9' {
				t.Fatalf("%q: not all digits", n)
			}
			v = append(v, int8(c-'0'))
		}
		if len(v) < 16 || len(v) > 19 || !validBankCard(v) {
			t.Errorf("%s: not a number the detector reads as a bank card", n)
		}
		if !isTestCard(v) {
			t.Errorf("%s: listed but not found", n)
		}
	}
}
