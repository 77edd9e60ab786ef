//go:build !race

package moderation_test

// raceEnabled is set under the race detector, which makes sync.Pool drop
// items at random, so allocation counts are meaningless there.
const raceEnabled = false
