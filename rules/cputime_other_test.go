//go:build !linux

package rules

import "time"

var processStart = time.Now()

// threadCPU falls back to wall time where the thread CPU clock is not
// read (see cputime_linux_test.go).
func threadCPU() time.Duration { return time.Since(processStart) }

// processCPU falls back to wall time.
func processCPU() time.Duration { return time.Since(processStart) }
