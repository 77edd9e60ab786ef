// Command naived runs the naive baseline server of package naive, so that
// `wecom-guard load` can load it side by side with wecom-guard:
//
//	go run ./internal/naive/naived --sandbox .wecom-guard --listen 127.0.0.1:8090
//
// It takes the app's credentials from flags or from the sandbox state that
// `wecom-guard serve` writes, and its words from the default policy plus an
// optional --lexicon file.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wecom-guard/wecom-guard/internal/naive"
	"github.com/wecom-guard/wecom-guard/rules"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "naived:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("naived", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8090", "address to listen on")
	sandbox := fs.String("sandbox", "", "read corp id, token and aes key from DIR/sandbox.json (wecom-guard's state dir)")
	token := fs.String("token", "", "callback token")
	aesKey := fs.String("aes-key", "", "EncodingAESKey (43 characters)")
	corpID := fs.String("corp-id", "", "CorpID (the receiveid)")
	redisURL := fs.String("redis", os.Getenv("REDIS_URL"), "Redis URL (default $REDIS_URL)")
	prefix := fs.String("prefix", "naive:", "Redis key prefix")
	lexicon := fs.String("lexicon", "", "file of extra words, one a line, added to the default policy's")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *sandbox != "" {
		var st struct {
			CorpID string `json:"corp_id"`
			Token  string `json:"token"`
			AESKey string `json:"aes_key"`
		}
		data, err := os.ReadFile(filepath.Join(*sandbox, "sandbox.json"))
		if err != nil {
			return fmt.Errorf("read sandbox state: %w", err)
		}
		if err := json.Unmarshal(data, &st); err != nil {
			return fmt.Errorf("read sandbox state: %w", err)
		}
		*corpID, *token, *aesKey = st.CorpID, st.Token, st.AESKey
	}
	if *redisURL == "" {
		return errors.New("no Redis: set --redis or REDIS_URL")
	}
	rs, err := rules.Default()
	if err != nil {
		return err
	}
	if *lexicon != "" {
		data, err := naive.ReadLexicon(*lexicon)
		if err != nil {
			return err
		}
		if rs, _, err = naive.WithLexicon(rs, data); err != nil {
			return err
		}
	}
	words := naive.PolicyWords(rs)
	gin.SetMode(gin.ReleaseMode)
	s, err := naive.New(naive.Config{Token: *token, AESKey: *aesKey, CorpID: *corpID, RedisURL: *redisURL, Prefix: *prefix, Words: words})
	if err != nil {
		return err
	}
	defer s.Close()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(stderr, "naived: %d words, listening on http://%s/wecom/callback\n", len(words), ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
