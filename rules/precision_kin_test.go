package rules

import "testing"

// TestKinReading: 去你妈的 + a noun and 你妈逼 + the person forced are
// ordinary readings; the curses around them stay hits.
func TestKinReading(t *testing.T) {
	e := defaultEngine(t)
	tests := []struct {
		text string
		hit  bool
	}{
		{"周六去你妈的店里帮忙", false},
		{"去你妈的公司面试了吗", false},
		{"你妈逼你加班吗", false},
		{"你妈逼着他学英语", false},
		{"去你妈的，又改需求", true},
		{"去你妈的吧", true},
		{"去你妈的", true},
		{"你妈逼的又宕机", true},
		{"滚，你妈逼", true},
		{"去你吗的公司", true}, // a sound-alike keeps its hit
	}
	for _, tt := range tests {
		v := e.Evaluate(tt.text, Context{ChatKind: ChatWork, Explain: true})
		if got := v.Action != ActionNone; got != tt.hit {
			t.Errorf("%q: hit %v, want %v (%+v)", tt.text, got, tt.hit, v.Hits)
		}
	}
}
