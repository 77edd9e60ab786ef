package main

import (
	"io"
	"runtime"
	"sync"

	"github.com/rs/zerolog"
)

// batchWriter is the service log's output. zerolog writes each line with
// its own write(2); at thousands of callbacks a second (one access line
// each) that syscall was a measurable share of the served binary's CPU per
// callback (docs/performance.md).
// batchWriter appends lines to a buffer and one goroutine writes whatever
// has gathered in a single write: idle, a line goes out as soon as that
// goroutine runs; under load, the lines of many requests share a syscall.
//
// It never drops a line: when the buffer is full, writers wait for the
// flush (zerolog's diode writer, the library's asynchronous writer, drops
// lines instead, which is why this one is written by hand). Lines at warn
// and above are flushed before WriteLevel returns, so what the service
// logs about a problem is out even if the process dies right after.
// Close writes what is left.
type batchWriter struct {
	out io.Writer

	mu     sync.Mutex
	cond   *sync.Cond // buf got lines, buf was taken, or closed
	buf    []byte
	closed bool
	done   chan struct{}

	// wmu serialises writes to out and owns spare, the buffer not in use.
	wmu   sync.Mutex
	spare []byte
}

// batchLimit is how many bytes of lines may wait before writers wait.
const batchLimit = 256 << 10

func newBatchWriter(out io.Writer) *batchWriter {
	w := &batchWriter{out: out, done: make(chan struct{})}
	w.cond = sync.NewCond(&w.mu)
	go w.run()
	return w
}

// Write appends one line (zerolog writes whole lines).
func (w *batchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	for !w.closed && len(w.buf) > 0 && len(w.buf)+len(p) > batchLimit {
		w.cond.Wait()
	}
	if w.closed {
		w.mu.Unlock()
		w.wmu.Lock()
		defer w.wmu.Unlock()
		return w.out.Write(p)
	}
	w.buf = append(w.buf, p...)
	w.cond.Broadcast()
	w.mu.Unlock()
	return len(p), nil
}

// WriteLevel is zerolog.LevelWriter: warn and above are flushed at once.
func (w *batchWriter) WriteLevel(level zerolog.Level, p []byte) (int, error) {
	n, err := w.Write(p)
	if err == nil && level >= zerolog.WarnLevel && level != zerolog.NoLevel {
		err = w.Flush()
	}
	return n, err
}

// Flush writes every line appended before it was called.
func (w *batchWriter) Flush() error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	return w.writeTaken()
}

// writeTaken takes the buffer and writes it; the caller holds wmu.
func (w *batchWriter) writeTaken() error {
	w.mu.Lock()
	b := w.buf
	w.buf = w.spare[:0]
	w.cond.Broadcast()
	w.mu.Unlock()
	if len(b) == 0 {
		w.spare = b
		return nil
	}
	_, err := w.out.Write(b)
	if cap(b) > 4*batchLimit {
		b = nil // one huge line: do not keep its buffer
	}
	w.spare = b[:0]
	return err
}

func (w *batchWriter) run() {
	defer close(w.done)
	for {
		w.mu.Lock()
		for len(w.buf) == 0 && !w.closed {
			w.cond.Wait()
		}
		closed := w.closed
		w.mu.Unlock()
		if !closed {
			// The line that woke this goroutine made it the next to run
			// on its processor (the runtime's runnext), right after the
			// request that wrote it waits for its connection: on one
			// processor that gave nearly every access line its own
			// write (19,300 writes for 20,000 lines under the load
			// tool). Yielding once lets the goroutines that are ready
			// write their lines first; idle, it returns at once.
			runtime.Gosched()
		}
		// A failed write of the log is not worth more than the log itself:
		// there is nowhere else to report it.
		_ = w.Flush()
		if closed {
			return
		}
	}
}

// Close writes what is left; later lines are written directly.
func (w *batchWriter) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	w.cond.Broadcast()
	w.mu.Unlock()
	<-w.done
	return w.Flush()
}
