//go:build !unix

package handlers_test

import "time"

// processCPU is not measured on this platform: the benchmarks then report
// no cpu-ns/op.
func processCPU() time.Duration { return 0 }
