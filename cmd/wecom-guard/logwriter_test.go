package main

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"
)

// lockedBuffer is the log's destination; it counts the writes it gets.
type lockedBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
	gate   chan struct{} // when set, each write waits for a token
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	if l.gate != nil {
		<-l.gate
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes++
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestBatchWriterKeepsEveryLineInOrder(t *testing.T) {
	var out lockedBuffer
	w := newBatchWriter(&out)
	const writers, lines = 8, 2000
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range lines {
				fmt.Fprintf(w, "w%d %06d\n", g, i)
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(got) != writers*lines {
		t.Fatalf("%d lines written, want %d", len(got), writers*lines)
	}
	next := make([]int, writers)
	for _, l := range got {
		var g, i int
		if _, err := fmt.Sscanf(l, "w%d %d", &g, &i); err != nil || g < 0 || g >= writers {
			t.Fatalf("line %q is not one that was written (%v)", l, err)
		}
		if i != next[g] {
			t.Fatalf("writer %d: line %d after %d: lines lost or reordered", g, i, next[g]-1)
		}
		next[g]++
	}
}

func TestBatchWriterWaitsInsteadOfDropping(t *testing.T) {
	out := lockedBuffer{gate: make(chan struct{})}
	w := newBatchWriter(&out)
	line := strings.Repeat("x", 1023) + "\n"
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 3 * batchLimit / len(line) { // three buffers' worth while the output is stuck
			_, _ = w.Write([]byte(line))
		}
	}()
	go func() { // let the output through one write at a time
		for {
			select {
			case out.gate <- struct{}{}:
			case <-done:
				close(out.gate)
				return
			}
		}
	}()
	<-done
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := len(out.String()), 3*batchLimit/len(line)*len(line); got != want {
		t.Fatalf("%d bytes written, want %d", got, want)
	}
}

func TestBatchWriterFlushesWarningsAtOnce(t *testing.T) {
	var out lockedBuffer
	w := newBatchWriter(&out)
	defer w.Close()
	log := zerolog.New(w)
	log.Info().Msg("routine")
	log.Warn().Msg("trouble")
	// No Close, no wait: a warning is out when the call returns, and the
	// info line before it too.
	s := out.String()
	if !strings.Contains(s, `"message":"trouble"`) || !strings.Contains(s, `"message":"routine"`) ||
		strings.Index(s, "routine") > strings.Index(s, "trouble") {
		t.Fatalf("after a warning the output holds %q, want both lines in order", s)
	}
}

func TestBatchWriterAfterClose(t *testing.T) {
	var out lockedBuffer
	w := newBatchWriter(&out)
	fmt.Fprintln(w, "before")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(w, "after")
	if got := out.String(); got != "before\nafter\n" {
		t.Fatalf("output %q, want both lines", got)
	}
}

// On one processor (GOMAXPROCS=1, as the served binary is measured), a
// line's writer that then waits (for the network, in the service) must not
// hand every line its own write: the woken writer goroutine would run
// straight after it. It lets the goroutines that are ready write theirs
// first.
func TestBatchWriterGathersLinesOnOneProcessor(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var out lockedBuffer
	w := newBatchWriter(&out)
	const lines = 400
	start, park := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	for i := range lines {
		wg.Go(func() {
			<-start
			fmt.Fprintf(w, "line %d\n", i)
			<-park // a request waiting on its connection
		})
	}
	close(start)
	for strings.Count(out.String(), "\n") < lines {
		runtime.Gosched()
	}
	close(park)
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out.mu.Lock()
	writes := out.writes
	out.mu.Unlock()
	if writes > lines/10 {
		t.Fatalf("%d lines took %d writes, want at most %d", lines, writes, lines/10)
	}
}
