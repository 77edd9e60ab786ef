package moderation_test

import (
	"strings"
	"testing"
)

// TestDetectLongInputs runs the detectors on long messages made of what
// each of them looks at, repeated without a break. Each detector is linear
// in the message (its look-backs and look-aheads are bounded), so these
// finish at once; a quadratic scan would take minutes and hit the test
// timeout. Nothing is timed here.
func TestDetectLongInputs(t *testing.T) {
	s := detectScanner(t)
	const n = 1 << 16
	for name, text := range map[string]string{
		"spaced digits":    strings.Repeat("1 ", n),
		"letters o":        strings.Repeat("o", n) + "1",
		"letters lol":      strings.Repeat("lo1", n),
		"at signs":         strings.Repeat("a", n) + strings.Repeat("@a.b", n/4),
		"local parts":      strings.Repeat("abc@", n/4),
		"hosts":            "x@" + strings.Repeat("a.", n),
		"hash":             strings.Repeat("ab#cd.", n/4),
		"wechat triggers":  strings.Repeat("加我微信", n/4),
		"address chain":    strings.Repeat("建国路88号", n/4),
		"address anchors":  strings.Repeat("一座", n/2),
		"address names":    "北京市" + strings.Repeat("朝阳区", n/4) + "3栋",
		"dotted digits":    strings.Repeat("1.", n),
		"comma groups":     strings.Repeat("188,", n/2),
		"urls":             strings.Repeat("a.com/", n/4),
		"word dots":        strings.Repeat("a1 dot ", n/4),
		"circled":          strings.Repeat("①", n),
		"radio":            strings.Repeat("幺两拐勾洞", n/4),
		"question wechat":  strings.Repeat("你加我qq", n/4) + "吗",
		"ids and x":        strings.Repeat("11010519491231002X", n/16),
		"mixed separators": strings.Repeat("1-2.3,4\n5", n/8),
	} {
		t.Run(name, func(t *testing.T) {
			for _, f := range s.Scan(text, nil) {
				if f.Start < 0 || f.Start >= f.End {
					t.Fatalf("bad finding %v", f)
				}
			}
		})
	}
}
