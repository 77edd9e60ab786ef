//go:build !msgaudit || !linux || !cgo

package main

import "fmt"

// msgauditBuilt is false: this binary has no chat-archive SDK.
const msgauditBuilt = false

// openArchiveSource cannot pull without the SDK.
func openArchiveSource(ArchiveConfig, string) (archiveSource, error) {
	return nil, fmt.Errorf("open chat archive: %w", errNoMsgaudit)
}
