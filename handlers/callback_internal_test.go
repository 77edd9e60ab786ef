package handlers

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// TestReadBody: a declared length is read into one buffer and must be
// there in full; an unknown or too long one is read as it comes.
func TestReadBody(t *testing.T) {
	for _, tc := range []struct {
		body     string
		declared int64
		want     string
		err      error
	}{
		{"<xml>abc</xml>", 14, "<xml>abc</xml>", nil},
		{"<xml>abc</xml>", -1, "<xml>abc</xml>", nil},
		{"<xml>abc</xml>", 0, "<xml>abc</xml>", nil},
		{"<xml>", 14, "", io.ErrUnexpectedEOF},
		{"", 3, "", io.EOF},
		{"<xml>abc</xml>", MaxCallbackBody + 1, "<xml>abc</xml>", nil},
	} {
		got, err := readBody(strings.NewReader(tc.body), tc.declared)
		if !errors.Is(err, tc.err) || string(got) != tc.want {
			t.Errorf("readBody(%q, %d) = %q, %v; want %q, %v", tc.body, tc.declared, got, err, tc.want, tc.err)
		}
	}
}
