package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// readCounter is a TCP proxy in front of a Redis server that counts the
// reads of what clients send it: a client that waits for each answer
// before its next command needs a read per command, a pipeline one for
// all its commands.
type readCounter struct {
	ln    net.Listener
	reads atomic.Int64
}

func newReadCounter(t *testing.T, target string) *readCounter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rc := &readCounter{ln: ln}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			wg.Go(func() { _, _ = io.Copy(c, s); c.Close() })
			wg.Go(func() {
				buf := make([]byte, 64<<10)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						rc.reads.Add(1)
						if _, werr := s.Write(buf[:n]); werr != nil {
							break
						}
					}
					if err != nil {
						break
					}
				}
				s.Close()
			})
		}
	})
	return rc
}

// TestConcurrentDedupMarksShareReads: the dedup marks of callbacks served
// at the same time reach Redis together (dedupClient), in far fewer reads
// than marks, and each caller still learns whether it was first.
func TestConcurrentDedupMarksShareReads(t *testing.T) {
	if os.Getenv("REDIS_CLUSTER_ADDRS") != "" || os.Getenv("REDIS_SENTINEL_MASTER") != "" {
		t.Skip("counts what one server reads")
	}
	// The server REDIS_URL names (its database and credentials kept),
	// else an embedded one, behind the counting proxy.
	env := os.Getenv("REDIS_URL")
	if env == "" {
		env = "redis://" + miniredis.RunT(t).Addr()
	}
	parsed, err := url.Parse(env)
	if err != nil {
		t.Fatal(err)
	}
	rc := newReadCounter(t, parsed.Host)
	parsed.Host = rc.ln.Addr().String()
	u := parsed.String()
	ctx := context.Background()
	s, err := Open(ctx, Options{URL: u, Prefix: "wgtest:" + rand.Text() + ":"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.DeleteAll(context.Background()); err != nil && !errors.Is(err, net.ErrClosed) {
			t.Error(err)
		}
		s.Close()
	})
	const n = 64
	var start, done sync.WaitGroup
	start.Add(1)
	firsts := make([]bool, 2*n)
	errs := make([]error, 2*n)
	before := rc.reads.Load()
	for i := range 2 * n {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			// Each id twice: exactly one of its two marks is the first.
			firsts[i], errs[i] = s.MarkSeen(ctx, fmt.Sprintf("msg:%d", i%n), time.Hour)
		}()
	}
	start.Done()
	done.Wait()
	reads := rc.reads.Load() - before
	for i := range n {
		if errs[i] != nil || errs[i+n] != nil {
			t.Fatalf("MarkSeen: %v, %v", errs[i], errs[i+n])
		}
		if firsts[i] == firsts[i+n] {
			t.Fatalf("msg:%d marked first by both callers or by neither (%v, %v)", i, firsts[i], firsts[i+n])
		}
		if seen, err := s.Seen(ctx, fmt.Sprintf("msg:%d", i)); err != nil || !seen {
			t.Fatalf("Seen(msg:%d) = %v, %v after it was marked", i, seen, err)
		}
	}
	t.Logf("%d concurrent dedup marks in %d reads at the server", 2*n, reads)
	if reads > n/2 {
		t.Fatalf("%d concurrent dedup marks took %d reads at the server; want them batched (at most %d)", 2*n, reads, n/2)
	}
}
