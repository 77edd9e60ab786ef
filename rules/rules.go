// Package rules is the policy of wecom-guard: the rule-set format (a
// policy.yaml and word lists in a directory), its loading and validation, the
// embedded default policy, and the evaluation of what package moderation
// finds in a message, together with the message's context, into a Verdict.
// It does no I/O beyond reading the fs.FS it is given and never logs.
package rules

import (
	"regexp"
	"time"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// Severity ranks how bad a hit is. The zero value means "none".
type Severity uint8

// Severities, in increasing order.
const (
	SeverityNone Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{
	SeverityNone:     "none",
	SeverityLow:      "low",
	SeverityMedium:   "medium",
	SeverityHigh:     "high",
	SeverityCritical: "critical",
}

// String returns the policy-file name of s ("low", "high", …).
func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return "unknown"
}

// ParseSeverity returns the Severity named s ("low", "medium", "high",
// "critical") and whether s names one. "none" is not accepted: a policy
// always says how bad a hit is.
func ParseSeverity(s string) (Severity, bool) {
	for i := SeverityLow; int(i) < len(severityNames); i++ {
		if severityNames[i] == s {
			return i, true
		}
	}
	return SeverityNone, false
}

// Action is what the bot does about a message. Actions are ordered: a
// Verdict carries the most severe action of its non-shadow hits.
type Action uint8

// Actions, in increasing order of severity.
const (
	ActionNone       Action = iota // do nothing
	ActionLog                      // record the violation only
	ActionWarn                     // warn the sender privately
	ActionAlertOwner               // alert the group owner
	ActionEscalateHR               // open a case for HR
)

var actionNames = [...]string{
	ActionNone:       "none",
	ActionLog:        "log",
	ActionWarn:       "warn",
	ActionAlertOwner: "alert_owner",
	ActionEscalateHR: "escalate_hr",
}

// String returns the policy-file name of a ("none", "warn", …).
func (a Action) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return "unknown"
}

// ParseAction returns the Action named s and whether s names one.
func ParseAction(s string) (Action, bool) {
	for i := range actionNames {
		if actionNames[i] == s {
			return Action(i), true
		}
	}
	return ActionNone, false
}

// ChatKind is where a message was written. The zero value is not a chat
// kind; rules never apply to it.
type ChatKind uint8

// Chat kinds.
const (
	ChatWork     ChatKind = iota + 1 // an internal work group
	ChatPrivate                      // a private (non-work) internal group
	ChatExternal                     // a group with external contacts (customers)
	ChatDirect                       // a one-to-one chat
	ChatProfile                      // a member's display name, checked on its own
)

var chatKindNames = [...]string{
	ChatWork:     "work",
	ChatPrivate:  "private",
	ChatExternal: "external",
	ChatDirect:   "direct",
	ChatProfile:  "profile",
}

// String returns the policy-file name of k ("work", "external", …).
func (k ChatKind) String() string {
	if int(k) < len(chatKindNames) && chatKindNames[k] != "" {
		return chatKindNames[k]
	}
	return "unknown"
}

// ParseChatKind returns the ChatKind named s and whether s names one.
func ParseChatKind(s string) (ChatKind, bool) {
	for i := range chatKindNames {
		if chatKindNames[i] != "" && chatKindNames[i] == s {
			return ChatKind(i), true
		}
	}
	return 0, false
}

// chatKindSet is a bit set of chat kinds, bit k for ChatKind k.
type chatKindSet uint8

func (s chatKindSet) has(k ChatKind) bool { return k != 0 && s&(1<<k) != 0 }

// allChatKinds applies a rule that names no chat kinds everywhere.
const allChatKinds chatKindSet = 1<<ChatWork | 1<<ChatPrivate | 1<<ChatExternal | 1<<ChatDirect | 1<<ChatProfile

// RuleSet is a loaded and validated policy: what LoadDir and Default
// return and what Compile turns into an Engine. Treat it as read-only.
type RuleSet struct {
	Version    int
	Company    Company
	Categories []Category
	Rules      []Rule
	// Allow holds the global allow-list phrases (lists/allow/*.txt): a
	// keyword hit that lies inside one of them is not a hit.
	Allow []Word
	// Ladder is the escalation ladder (policy.yaml's ladder:, or
	// DefaultLadder when absent).
	Ladder Ladder
}

// Company holds the company-wide settings of a policy.
type Company struct {
	// Names are the company's names and brands; they are enforced as the
	// list "company" of category NamesCategory (a company name used as a
	// personal nickname).
	Names         []string
	NamesCategory string
	// URLAllowDomains are domains (and their subdomains) the url detector
	// does not report.
	URLAllowDomains []string
	// Location is the default time zone of time windows.
	Location *time.Location
	// InterceptUsers and InterceptDepartments are whom the WeCom intercept
	// rules of the policy apply to; both empty means the whole corp.
	InterceptUsers       []string
	InterceptDepartments []int64
}

// Category is a named group of word lists.
type Category struct {
	Name string
	// Label is the name employees and HR read (商业机密); Name when the
	// policy gives none.
	Label       string
	Description string
	// Severity is the default severity of the category's words.
	Severity Severity
	Lists    []List
	// InterceptSemantics are WeCom's own checks (phone, email, red_packet)
	// added to the intercept rules of the category's lists.
	InterceptSemantics []string
}

// List is one word-list file of a category.
type List struct {
	// Name is the file name without ".txt"; rules name it "category/name".
	Name string
	// Label is the name HR reads (侮辱词汇), from the category's
	// list_labels in policy.yaml; Name when the policy gives none.
	Label string
	// File is the path of the list inside the rule directory.
	File   string
	Pinyin bool // also match the pinyin spellings of the words
	// Initials also matches the words' pinyin initials (sb, cnm); opt-in
	// per list because short initials are ambiguous.
	Initials bool
	// Homophones also matches homophones and split characters of the
	// words (菠菜 for 博彩, 女马 for 妈); opt-in per list.
	Homophones bool
	// Split also matches split characters (贝者博 for 赌博) without the
	// homophones, for lists whose homophones collide with ordinary words.
	Split bool
	// Together, when above 1, makes the list's words hits only where at
	// least Together different ones of them are in one message
	// (together_lists in policy.yaml): words that are ordinary one at a
	// time and an ad together (日结 … 私聊 … 名额有限).
	Together int
	// SplitOnly matches the words only written in split characters (木仓
	// for 枪, 女表子 for 婊子), never as written nor in another form: for
	// words that are ordinary as written (枪 in news) but whose split
	// forms are evasions. Such a list is no WeCom intercept rule either
	// (WeCom would block the words as written).
	SplitOnly bool
	// Intercept keeps the list as a WeCom intercept rule for customer
	// chats (policy.yaml intercept / intercept_lists).
	Intercept Intercept
	Words     []Word
}

// Word is one entry of a word list.
type Word struct {
	Text string
	// Severity overrides the rule's severity for hits of this word when set.
	Severity Severity
	Note     string
	Line     int // line in the list file, for messages
}

// Rule says what the policy does about some findings in some context.
type Rule struct {
	ID string
	// Label is the name HR and employees read (广告引流); ID when the
	// policy gives none.
	Label       string
	Description string
	// Category is reported for the rule's detector and regex hits (keyword
	// hits report the category of their list).
	Category string
	// Categories and Lists ("category/name") select keyword lists.
	Categories []string
	Lists      []string
	Detectors  []moderation.Kind
	Regexps    []*regexp.Regexp
	ChatKinds  []ChatKind // empty: every chat kind
	Windows    []Window   // empty: at any time
	Severity   Severity   // SeverityNone: the category's severity (medium for detectors and regexes)
	Action     Action
	Shadow     bool     // report hits but do not let them change the Verdict's action
	Allow      []string // phrases inside which this rule's hits are dropped
	// MinConfidence is the lowest confidence (1–100) a hit needs to be
	// enforced; hits below it are reported held (as shadow). Loading sets
	// DefaultMinConfidence when the policy gives none.
	MinConfidence uint8
	// Forms are the forms of a match the rule enforces (exact, pinyin …);
	// empty: every form. Hits of other forms are reported held.
	Forms []moderation.Form
}

// DefaultMinConfidence is a rule's min_confidence when the policy gives
// none: hits the context rules mark as unlikely (a phrase under a
// prohibition, confidence 30) are reported but not enforced.
const DefaultMinConfidence = 50
