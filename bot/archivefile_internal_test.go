package bot

import (
	"testing"

	"github.com/wecom-guard/wecom-guard/rules"
)

// TestFileMatcherLeavesCleanPath checks that a file message whose name is
// short and clean is still given to its matcher: the file's text is what
// Documents reads, so fileMatcher must not pass on the index's
// CleanTextChecker, which judges the name (the message text) alone.
func TestFileMatcherLeavesCleanPath(t *testing.T) {
	var d rules.DataMatcher = fileMatcher{text: "保密文件的全文", nameRunes: 4}
	if c, ok := d.(rules.CleanTextChecker); ok && !c.CleanTextMatches("报价.txt") {
		t.Fatal("fileMatcher keeps a file with a short name on the clean path: its text is never fingerprinted")
	}
}
