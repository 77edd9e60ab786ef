package store

import (
	"strings"
	"testing"
)

// FuzzKeyPart: whatever an id holds, its key form is bounded, made of
// plain characters only (so no brace, glob or control character reaches a
// key), stable, unchanged for a short plain id, and distinct for distinct
// ids.
func FuzzKeyPart(f *testing.F) {
	for _, seed := range []string{"", "zhangsan", "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA", "a{b}c", "x\ny", "*", "~abc",
		strings.Repeat("m", 129), "用户", "archive:m1", "{}", "}{"} {
		f.Add(seed, seed+"x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ka := keyPart(a)
		if len(ka) > maxRawID {
			t.Fatalf("keyPart(%q) is %d bytes", a, len(ka))
		}
		body := strings.TrimPrefix(ka, "~")
		if !plainID(body) {
			t.Fatalf("keyPart(%q) = %q holds a character that is not plain", a, ka)
		}
		if keyPart(a) != ka {
			t.Fatal("keyPart is not stable")
		}
		if len(a) <= maxRawID && plainID(a) && ka != a {
			t.Fatalf("keyPart(%q) = %q, want the plain id unchanged", a, ka)
		}
		if a != b && keyPart(b) == ka {
			t.Fatalf("keyPart(%q) = keyPart(%q) = %q", a, b, ka)
		}
	})
}
