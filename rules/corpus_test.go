package rules

import (
	"bufio"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// readLines reads a test corpus, one message a line, with Go escapes
// ("\n" is a line break inside the message, "\u200b" a zero-width space);
// blank lines and "#" lines are skipped.
func readLines(t testing.TB, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		u, err := strconv.Unquote(`"` + strings.ReplaceAll(l, `"`, `\"`) + `"`)
		if err != nil {
			t.Fatalf("%s: line %q: %v", path, l, err)
		}
		lines = append(lines, u)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// TestWorkplaceCorpusIsClean runs the default policy over realistic work
// chat (testdata/workplace-zh.txt, written for the false-alarm families of
// issue 9: keywords inside ordinary words or across punctuation between
// two words, prohibitions, workplace handouts, tables, office addresses,
// English with Chinese names, e-mail addresses, IPs, versions, order and
// invoice numbers, questions about adding someone) and wants no action on
// any line, in a work group and in a customer group.
func TestWorkplaceCorpusIsClean(t *testing.T) {
	lines := readLines(t, "testdata/workplace-zh.txt")
	if len(lines) < 1000 {
		t.Fatalf("the corpus holds %d lines, want at least 1000", len(lines))
	}
	e := defaultEngine(t)
	for _, kind := range []ChatKind{ChatWork, ChatExternal} {
		acted, pending := 0, map[moderation.Kind]int{}
		for _, l := range lines {
			v := e.Evaluate(l, Context{ChatKind: kind, Explain: true})
			if v.Action == ActionNone {
				continue
			}
			acted++
			for _, h := range v.Hits {
				switch {
				case h.Shadow:
				case slices.Contains(pendingDetectorKinds, h.Kind):
					pending[h.Kind]++
				default:
					t.Errorf("%s chat: %q: %s", kind, l, h.Explanation)
				}
			}
		}
		t.Logf("%s chat: %d of %d lines acted on; hits of detectors still to be fixed: %v", kind, acted, len(lines), pending)
		if kind != ChatWork {
			continue
		}
		for _, k := range pendingDetectorKinds {
			if pending[k] == 0 {
				t.Errorf("the %s detector no longer fires on the corpus: remove it from pendingDetectorKinds so that its lines are checked", k)
			}
		}
	}
}

// pendingDetectorKinds are the detectors whose false-alarm families of
// issue 9 (a mobile number inside PO-1388-1234-567, an order or invoice
// number passing Luhn read as a bank card, a question or past tense read
// as a WeChat solicitation) are fixed in package moderation by other work
// of the issue. Their hits on the corpus are counted, not failed, until
// then; once a detector stops firing on the corpus the test says to remove
// it here, and from then on its lines must stay clean.
var pendingDetectorKinds = []moderation.Kind{}
