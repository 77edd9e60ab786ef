package moderation

// Published test card numbers. Payment providers print these in their
// integration guides (Stripe, Adyen, PayPal/Braintree, UnionPay's own
// sandbox); developers and support staff paste them into work chat while
// testing a checkout ("测试卡号 4242 4242 4242 4242"). They pass the Luhn
// check by design and belong to no card holder, so the bank-card detector
// does not report them. A curated list: no maintained Go package ships
// these numbers.
var testCards = func() map[string]struct{} {
	m := make(map[string]struct{})
	for _, n := range []string{
		// Visa
		"4111111111111111", "4012888888881881", "4222222222222", "4242424242424242",
		"4000056655665556", "4000000000000002", "4000000000000077", "4000000000009995",
		"4000000000000101", "4917610000000000", "4444333322221111", "4005519200000004",
		// Mastercard
		"5555555555554444", "5105105105105100", "5200828282828210", "2223003122003222",
		"5454545454545454", "2221000000000009", "5500000000000004",
		// American Express
		"378282246310005", "371449635398431", "378734493671000", "340000000000009",
		// Discover
		"6011111111111117", "6011000990139424", "6011000400000000", "6011601160116611",
		// Diners Club
		"30569309025904", "38520000023237", "3056930009020004", "36227206271667",
		// JCB
		"3530111333300000", "3566002020360505", "3566111111111113",
		// UnionPay (Stripe's and UnionPay's online-payment sandbox)
		"6200000000000005", "6205500000000000004", "6250941006528599",
		"6216261000000000018",
		// Maestro
		"6759649826438453", "6799990100000000019",
	} {
		m[n] = struct{}{}
	}
	return m
}()

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
