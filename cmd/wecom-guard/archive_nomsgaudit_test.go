//go:build !msgaudit || !linux || !cgo

package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// TestArchivePullNeedsMsgauditBuild: the default build has the subcommand
// and says how to get one that can pull.
func TestArchivePullNeedsMsgauditBuild(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"archive", "pull", "--once"}, strings.NewReader(""), &stdout, &stderr)
	if !errors.Is(err, errNoMsgaudit) {
		t.Fatalf("err = %v, want errNoMsgaudit", err)
	}
	for _, want := range []string{"msgaudit tag", "go build -tags msgaudit", "libWeWorkFinanceSdk_C.so"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not say %q", err, want)
		}
	}
	if _, err := openArchiveSource(ArchiveConfig{}, "wwcorp"); !errors.Is(err, errNoMsgaudit) {
		t.Errorf("openArchiveSource err = %v, want errNoMsgaudit", err)
	}
}
