package intercept

import (
	"testing"

	"github.com/wecom-guard/wecom-guard/rules"
)

// BenchmarkBuild plans the default policy with every list marked block:
// the work of one sync before any call to WeCom.
func BenchmarkBuild(b *testing.B) {
	rs, err := rules.Default()
	if err != nil {
		b.Fatal(err)
	}
	words := 0
	for i := range rs.Categories {
		for j := range rs.Categories[i].Lists {
			rs.Categories[i].Lists[j].Intercept = rules.InterceptBlock
			words += len(rs.Categories[i].Lists[j].Words)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if p := Build(rs, 100); len(p.Rules) == 0 {
			b.Fatal("no rules")
		}
	}
	b.ReportMetric(float64(words), "words")
}
