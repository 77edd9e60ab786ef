package moderation

// Published test card numbers. Payment providers print these in their
// integration guides; developers and support staff paste them into work
// chat while testing a checkout ("测试卡号 4242 4242 4242 4242"). They pass
// the Luhn check by design and belong to no card holder, so the bank-card
// detector does not report them. A curated list: no maintained Go package
// ships these numbers.
//
// The list holds exact numbers, never prefixes or ranges, and only numbers
// the detector would otherwise report (16 to 19 digits starting with 3, 4,
// 5, 6 or 9; TestTestCardsAreCards): the shorter Amex and Diners numbers
// (378282246310005, 30569309025904 …), 4222222222222 and the 2-series
// Mastercards (2223003122003222) are never read as bank cards, so listing
// them would exempt nothing. What the label says (测试卡, 沙箱) is not read:
// a real card called a test card is still a card. Sources (review rev12b):
//   - Stripe, docs.stripe.com/testing: 4242424242424242, 4000056655665556,
//     5555555555554444, 5200828282828210, 5105105105105100,
//     6011111111111117, 6011000990139424, 3056930009020004,
//     3566002020360505, 6200000000000005, 6205500000000000004, and the
//     scenario cards 4000000000000002 (declined), 4000000000009995
//     (insufficient funds), 4000000000000077, 4000000000000101.
//   - Braintree, developer.paypal.com/braintree/docs/reference/general/testing
//     and its SDKs' Test::CreditCardNumbers: 4111111111111111,
//     4012888888881881, 4005519200000004, 3530111333300000.
//   - PayPal's Payflow test-number page (paypalobjects.com …
//     credit_card_numbers.htm): 6011601160116611.
//   - Adyen, docs.adyen.com test card numbers: 4444333322221111 (corporate,
//     GB), 5500000000000004 (debit, US), 4917610000000000 (3-D Secure 2).
//   - Cybersource, developer.cybersource.com test data: 3566111111111113.
//   - UnionPay's online-payment (全渠道) PM test environment, the
//     debit card of its SDK samples: 6216261000000000018.
var testCards = func() map[string]struct{} {
	m := make(map[string]struct{})
	for _, n := range testCardNumbers {
		m[n] = struct{}{}
	}
	return m
}()

var testCardNumbers = []string{
	// Visa
	"4111111111111111", "4012888888881881", "4242424242424242", "4000056655665556",
	"4000000000000002", "4000000000000077", "4000000000009995", "4000000000000101",
	"4917610000000000", "4444333322221111", "4005519200000004",
	// Mastercard
	"5555555555554444", "5105105105105100", "5200828282828210", "5500000000000004",
	// Discover
	"6011111111111117", "6011000990139424", "6011601160116611",
	// Diners Club (16 digits)
	"3056930009020004",
	// JCB
	"3530111333300000", "3566002020360505", "3566111111111113",
	// UnionPay
	"6200000000000005", "6205500000000000004", "6216261000000000018",
}

// isTestCard reports whether the digits v are a published test card
// number. It runs only on a number already shaped like a card.
func isTestCard(v []int8) bool {
	var buf [24]byte
	if len(v) > len(buf) {
		return false
	}
	for i, d := range v {
		buf[i] = '0' + byte(d)
	}
	_, ok := testCards[string(buf[:len(v)])]
	return ok
}
