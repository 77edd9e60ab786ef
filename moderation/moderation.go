// Package moderation is pure text analysis for wecom-guard: normalization
// with an offset map back to the original text, keyword matching over the
// normalized text, and detectors for personal data and spam. It does no I/O
// and never logs; it is the hot path of every checked message.
//
// How text is matched: every rune is folded through tables built once per
// process (NFKC, case folding, traditional → simplified, Latin diacritics
// such as pinyin tone marks, and look-alikes: UTS #39 confusables for Latin,
// Greek and Cyrillic, small capitals, negative squared letters, CJK Radicals
// Supplement forms, Japanese shinjitai), invisible characters are dropped,
// and the rest is one of three classes. Letters (Han characters, latin
// letters, digits) take part in words; noise (spaces, symbols, ASCII
// punctuation, emoji) is skipped, so "赌 ★ 博" still matches 赌博;
// separators (，。！？；、… and line breaks) end a word, so "太大，麻烦你"
// never matches 大麻 — except where the text is plainly built to evade: a
// separator after every single character (你。妈。的。) and line breaks next
// to a line of one character or between two lines of at most two. Inside a
// word the matcher also skips a repeated character (兼职职刷单, fuuuck) and
// one inserted non-Han character between Han ones (赌c博, 卖Ⅶ淫, 裸⑵照);
// text under a right-to-left override is read in display order, HTML
// entities are decoded and tags skipped. Keywords made of latin letters or
// digits also need a word boundary ("sex" is not found in "essex"). Offsets
// in findings are rune offsets into the original text and cover the noise
// inside a match.
//
// Entries may opt in to pinyin (dubo, 赌bo, du博), pinyin initials (sb) and
// homophones and split characters (菠菜, 女马); every keyword finding says
// how it matched (Finding.Form) and how sure it is (Finding.Confidence, on
// the scale documented in forms.go).
//
// Compile turns word lists and options into a Scanner (a double-array
// Aho–Corasick automaton plus detectors); Scan is safe for concurrent use and
// does not allocate when dst has room.
package moderation

// Kind says what produced a Finding. The string forms are part of the
// `wecom-guard check` output contract: keep them stable.
type Kind uint8

// Kinds of findings.
const (
	KindKeyword  Kind = iota + 1 // a word of a keyword list
	KindPhone                    // a mainland mobile number
	KindIDCard                   // a resident ID card number (18 or 15 digits)
	KindBankCard                 // a bank card number passing the Luhn check
	KindEmail                    // an e-mail address
	KindURL                      // a URL or bare domain not on the allow-list
	KindWeChatID                 // a WeChat/QQ id solicitation (加我微信, vx …)
	KindRegex                    // a rule's regular expression (produced by package rules)
	KindAllow                    // an allow-list phrase reported for per-rule use
	KindAddress                  // a mainland street address (省/市/区 … 路/号/室)
	// KindCustomerRecord is a detector finding or token whose value is in
	// one of the company's customer record sets (produced by package rules
	// through package dlp's exact data matching).
	KindCustomerRecord
	// KindDocument is text reproducing part of a protected confidential
	// document (produced by package rules through package dlp's fingerprints).
	KindDocument
)

var kindNames = [...]string{
	KindKeyword:  "keyword",
	KindPhone:    "phone",
	KindIDCard:   "id_card",
	KindBankCard: "bank_card",
	KindEmail:    "email",
	KindURL:      "url",
	KindWeChatID: "wechat_id",
	KindRegex:    "regex",
	KindAllow:    "allow",
	KindAddress:  "address",

	KindCustomerRecord: "customer_record",
	KindDocument:       "document",
}

// String returns the stable name of k ("keyword", "phone", …).
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "unknown"
}

// ParseKind returns the Kind named s and whether s names one.
func ParseKind(s string) (Kind, bool) {
	for k, name := range kindNames {
		if name != "" && name == s {
			return Kind(k), true
		}
	}
	return 0, false
}

// Finding is one thing found in a message. Start and End are rune offsets
// into the original text (End exclusive) and always cover every original
// character that took part in the match, noise in between included.
type Finding struct {
	Kind  Kind
	Tag   int32 // for KindKeyword and KindAllow: the Entry.Tag of the word
	Start int
	End   int
	// Form says how the text matched (exact, folded, pinyin …).
	Form Form
	// Confidence is how sure the match is, 1–100; 0 means not rated and
	// is read as 100 (findings built outside Scan).
	Confidence uint8
}

// Form says how a finding matched. The string forms are part of the
// `wecom-guard check` output contract (field "form"): keep them stable.
type Form uint8

// Forms of a match. FormExact is the zero value.
const (
	FormExact      Form = iota // the text holds the word as listed
	FormFolded                 // equal after folding: width, case, traditional, noise around the word, spaces and invisible characters
	FormPinyin                 // written in pinyin (dubo, du博, dǔbó)
	FormInitials               // pinyin initials (sb, cnm)
	FormHomophone              // a homophone or near-homophone (菠菜 for 博彩)
	FormSplit                  // a character split into its parts (女马 for 妈)
	FormLookalike              // look-alike letters (Cyrillic, Greek, squared …)
	FormStructure              // repeated or inserted characters (symbols, emoji: 卖*淫), a separator after each character, bidi, HTML
	FormDetector               // a detector's pattern (phone, e-mail …)
	FormObfuscated             // a detector's pattern written to evade it (艾特, 幺两三, O for 0 …)
)

var formNames = [...]string{
	FormExact:      "exact",
	FormFolded:     "folded",
	FormPinyin:     "pinyin",
	FormInitials:   "initials",
	FormHomophone:  "homophone",
	FormSplit:      "split",
	FormLookalike:  "lookalike",
	FormStructure:  "structure",
	FormDetector:   "detector",
	FormObfuscated: "obfuscated",
}

// String returns the stable name of f ("exact", "pinyin", …).
func (f Form) String() string {
	if int(f) < len(formNames) && formNames[f] != "" {
		return formNames[f]
	}
	return "unknown"
}

// ParseForm returns the Form named s and whether s names one.
func ParseForm(s string) (Form, bool) {
	for f, name := range formNames {
		if name != "" && name == s {
			return Form(f), true
		}
	}
	return 0, false
}

// Rated returns f.Confidence, reading 0 (not rated) as 100.
func (f Finding) Rated() uint8 {
	if f.Confidence == 0 {
		return 100
	}
	return f.Confidence
}
