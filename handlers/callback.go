package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

const endpointCallback = "callback"

// verifyURL answers WeCom's URL check (GET): verify the signature, decrypt
// echostr and answer its plaintext as the whole body.
func (s *Server) verifyURL(c *gin.Context) error {
	start := s.cfg.Now()
	q := c.Request.URL.Query()
	if err := s.fresh(q.Get("timestamp")); err != nil {
		s.observe(c, start, outcomeForbidden)
		return err
	}
	plain, err := s.cfg.Crypto.VerifyURL(q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), q.Get("echostr"))
	if err != nil {
		s.observe(c, start, outcomeOf(err))
		return fmt.Errorf("verify callback url: %w", err)
	}
	s.observe(c, start, outcomeVerified)
	c.Data(http.StatusOK, "text/plain; charset=utf-8", plain)
	return nil
}

// callback receives an encrypted message or event (POST), runs it through
// the pipeline and acknowledges it, with an encrypted passive reply when the
// pipeline asks for one.
func (s *Server) callback(c *gin.Context) error {
	start := s.cfg.Now()
	outcome, err := s.handleCallback(c)
	s.observe(c, start, outcome)
	return err
}

func (s *Server) handleCallback(c *gin.Context) (outcome string, err error) {
	plain, nonce, outcome, err := s.openCallback(c, "callback", s.cfg.Crypto.Open)
	if err != nil {
		return outcome, err
	}
	msg, err := wecom.ParseMessage(plain)
	if err != nil {
		return outcomeOf(err), fmt.Errorf("parse callback plaintext: %w", err)
	}
	if s.enabled(zerolog.DebugLevel) { // neither the request's logger nor the key built for a line not written
		zerolog.Ctx(c.Request.Context()).Debug().Str("msg_type", msg.MsgType).Str("event", msg.Event).Str("from", msg.FromUserName).
			Str("dedup_key", msg.DedupKey()).Msg("callback received")
	}

	ctx := s.processContext(c)
	res, err := s.cfg.Pipeline.HandleCallback(ctx, msg)
	if err != nil {
		// Not acknowledged: WeCom retries, and the retry may find Redis back.
		return outcomeError, fmt.Errorf("process %s: %w", msg.DedupKey(), err)
	}
	outcome = outcomeOK
	if res.Duplicate {
		// A retry: acknowledged again, with the warning again if the first
		// answer carried one (it may not have reached WeCom).
		outcome = outcomeDuplicate
	}
	if res.Reply == "" {
		c.Status(http.StatusOK)
		return outcome, nil
	}
	inner := wecom.TextReply(msg.FromUserName, s.cfg.CorpID, res.Reply, s.cfg.Now())
	ts := strconv.FormatInt(s.cfg.Now().Unix(), 10)
	out, err := s.cfg.Crypto.SealReply(inner, ts, nonce)
	if err != nil {
		// The message is processed; an empty 200 still acknowledges it.
		zerolog.Ctx(c.Request.Context()).Error().Err(err).Msg("seal passive reply; acknowledging without it")
		c.Status(http.StatusOK)
		return outcome, nil
	}
	c.Data(http.StatusOK, "application/xml; charset=utf-8", out)
	if res.Duplicate {
		return outcomeDuplicate, nil
	}
	return outcomeReply, nil
}

// processContext is the context a callback is processed in: the request's
// values (its logger) and ProcessTimeout, but not the request's
// cancellation. A caller that hangs up half-way does not cut the pipeline
// short between its steps; the message is finished and marked, and
// WeCom's retry is answered as a duplicate (with the warning again). It
// also spares every callback registering a child with the request's
// context and removing it again (1.8 % of the served binary's CPU under
// the load tool, docs/performance.md). Its deadline is shared with the
// callbacks started in the same tick (deadlines), so there is nothing to
// cancel.
func (s *Server) processContext(c *gin.Context) context.Context {
	return s.deadlines.context(c.Request.Context())
}

// outcomeOf names the outcome label of a failed callback.
func outcomeOf(err error) string {
	switch status(err) {
	case http.StatusForbidden:
		return outcomeForbidden
	case http.StatusBadRequest:
		return outcomeBadRequest
	case http.StatusRequestEntityTooLarge:
		return outcomeTooLarge
	default:
		return outcomeError
	}
}

// observe counts an app callback and its latency (observeAt).
func (s *Server) observe(c *gin.Context, start time.Time, outcome string) {
	s.observeAt(c, endpointCallback, start, outcome)
}

// observeAt counts a callback of endpoint and its latency, and hands the
// outcome to the request log line.
func (s *Server) observeAt(c *gin.Context, endpoint string, start time.Time, outcome string) {
	setOutcome(c, outcome)
	o := s.metrics.observers(endpoint, outcome)
	o.count.Inc()
	o.latency.Observe(s.cfg.Now().Sub(start).Seconds())
}

// fresh refuses a callback timestamp that is missing, not a number, or
// further from now than MaxCallbackAge (checked before the signature: it is
// only a cheap filter; the signature covers the timestamp).
func (s *Server) fresh(timestamp string) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("callback timestamp %q is not a number: %w", timestamp, wecom.ErrSignature)
	}
	age := s.cfg.Now().Sub(time.Unix(ts, 0))
	if age > s.cfg.MaxCallbackAge || -age > s.cfg.MaxCallbackAge {
		return fmt.Errorf("callback timestamp is %s from now (more than %s: a replay?): %w", age.Round(time.Second), s.cfg.MaxCallbackAge, wecom.ErrSignature)
	}
	return nil
}

// openCallback reads a callback body of at most MaxCallbackBody bytes,
// checks the timestamp's freshness and opens the body with open (the app's
// XML envelope or the intelligent bot's JSON one). It returns the
// plaintext and the nonce for the reply, or the outcome label and an error
// of the right kind.
func (s *Server) openCallback(c *gin.Context, what string, open func(signature, timestamp, nonce string, body []byte) ([]byte, error)) (plain []byte, nonce, outcome string, err error) {
	r := c.Request.Body
	if n := c.Request.ContentLength; n <= 0 || n > MaxCallbackBody {
		// A declared length within the limit is all net/http lets be
		// read, so only a body without one, or over it, needs the limit.
		r = http.MaxBytesReader(c.Writer, r, MaxCallbackBody)
	}
	body, err := readBody(r, c.Request.ContentLength)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, "", outcomeTooLarge, fmt.Errorf("read %s body: over %d bytes: %w", what, MaxCallbackBody, bot.ErrTooLarge)
		}
		return nil, "", outcomeBadRequest, fmt.Errorf("read %s body: %w: %w", what, bot.ErrInvalid, err)
	}
	q := parseCallbackQuery(c.Request.URL.RawQuery)
	if err := s.fresh(q.timestamp); err != nil {
		return nil, "", outcomeForbidden, err
	}
	plain, err = open(q.signature, q.timestamp, q.nonce, body)
	if err != nil {
		return nil, "", outcomeOf(err), fmt.Errorf("open %s: %w", what, err)
	}
	return plain, q.nonce, "", nil
}

// readBody reads a request body whose length the client declared (WeCom
// does) into one buffer of that size, instead of io.ReadAll's growing
// copies; a body of unknown length, or declared longer than a callback
// may be, goes through io.ReadAll (and so into MaxBytesReader's error).
// net/http ends a declared body at its length and reports a short one.
func readBody(r io.Reader, declared int64) ([]byte, error) {
	if declared <= 0 || declared > MaxCallbackBody {
		return io.ReadAll(r)
	}
	buf := make([]byte, declared)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	return buf, nil
}
