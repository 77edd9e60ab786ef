package wecom

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// APIError is an answer from the WeCom API with errcode != 0.
type APIError struct {
	// Code is WeCom's errcode.
	Code int
	// Msg is WeCom's errmsg, for people: decisions use Code only.
	Msg string
	// API names the endpoint, e.g. "message/send".
	API string
}

// Error reports the endpoint, the code and WeCom's message.
func (e *APIError) Error() string {
	return fmt.Sprintf("wecom %s: errcode %d: %s", e.API, e.Code, e.Msg)
}

// HTTPError is an answer with an HTTP status other than 200; WeCom itself
// answers 200 even for errors, so this comes from its gateways or a proxy.
type HTTPError struct {
	API    string
	Status int
}

// Error reports the endpoint and the HTTP status.
func (e *HTTPError) Error() string {
	return fmt.Sprintf("wecom %s: http status %d", e.API, e.Status)
}

// ErrBadAnswer means an answer arrived but was not the JSON WeCom sends
// (a proxy's error page, a truncated body). The request may have taken
// effect, so a resend should carry duplicate checking.
var ErrBadAnswer = errors.New("wecom: malformed answer")

// ErrInvalidRequest means the client refused a request before sending it
// (empty content, no recipient, content over WeCom's limit). Not retryable.
var ErrInvalidRequest = errors.New("wecom: invalid request")

// ErrTokenBusy means another replica held the token refresh lock for too long
// and no token appeared meanwhile. Retryable.
var ErrTokenBusy = errors.New("wecom: token refresh in progress elsewhere")

// WeCom errcodes the classification depends on.
const (
	codeBusy             = -1
	codeInvalidToken     = 40014
	codeMissingToken     = 41001
	codeTokenExpired     = 42001
	codeFrequencyLimit   = 45009
	codeConcurrencyLimit = 45033
)

// notFoundCodes are the answers for an id WeCom does not know: invalid or
// unknown chatid (40050, 86001, 86003), unknown userid (60111, 46004).
var notFoundCodes = map[int]bool{40050: true, 86001: true, 86003: true, 60111: true, 46004: true}

// Retryable reports whether err is transient, so the same request may
// succeed later: errcode -1 (busy), 45009 / 45033 (frequency or concurrency
// limit: back off), HTTP 5xx and 429, malformed answers, network errors and
// timeouts, and *PaceError (a member's limit: wait, or fold into a digest). A cancelled context is not retryable: the caller gave up.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	if apiErr, ok := errors.AsType[*APIError](err); ok {
		switch apiErr.Code {
		case codeBusy, codeFrequencyLimit, codeConcurrencyLimit:
			return true
		}
		return false
	}
	if httpErr, ok := errors.AsType[*HTTPError](err); ok {
		return httpErr.Status >= 500 || httpErr.Status == 429
	}
	if _, ok := errors.AsType[*PaceError](err); ok {
		return true
	}
	if errors.Is(err, ErrBadAnswer) || errors.Is(err, ErrTokenBusy) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return true
	}
	return false
}

// TokenInvalid reports whether WeCom refused the access_token: 40014
// (invalid), 41001 (missing) or 42001 (expired). The client has already
// dropped the token and retried once when it returns such an error.
func TokenInvalid(err error) bool {
	if apiErr, ok := errors.AsType[*APIError](err); ok {
		switch apiErr.Code {
		case codeInvalidToken, codeMissingToken, codeTokenExpired:
			return true
		}
	}
	return false
}

// Permanent reports whether sending the same request again cannot succeed:
// every WeCom errcode that is neither transient nor a token problem (40001
// bad secret, 40013 bad corpid, 40008 bad msgtype, 44004 empty content,
// 60011 no privilege, 81013 no valid recipient, 93000 bad webhook key …),
// HTTP 4xx other than 429, and requests the client refused to send.
func Permanent(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrInvalidRequest) {
		return true
	}
	if _, ok := errors.AsType[*APIError](err); ok {
		return !Retryable(err) && !TokenInvalid(err)
	}
	if httpErr, ok := errors.AsType[*HTTPError](err); ok {
		return httpErr.Status >= 400 && httpErr.Status < 500 && httpErr.Status != 429
	}
	return false
}

// NotFound reports whether WeCom does not know the chat or user asked for.
// Such errors are also Permanent.
func NotFound(err error) bool {
	if apiErr, ok := errors.AsType[*APIError](err); ok {
		return notFoundCodes[apiErr.Code]
	}
	return false
}

// secretParams are the query parameters that must never reach an error
// string or a log: the app secret, the access token, the robot key.
var secretParams = []string{"access_token", "corpsecret", "key"}

// redact removes secrets from the URL that net/http puts into *url.Error,
// keeping the error chain (timeouts, context errors) intact.
func redact(err error) error {
	urlErr, ok := errors.AsType[*url.Error](err)
	if !ok {
		return err
	}
	clean := *urlErr
	clean.URL = redactURL(urlErr.URL)
	if clean.URL == urlErr.URL {
		return err
	}
	return &clean
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.IndexByte(raw, '?'); i >= 0 {
			return raw[:i] + "?REDACTED"
		}
		return raw
	}
	q := u.Query()
	changed := false
	for _, p := range secretParams {
		if q.Has(p) {
			q.Set(p, "REDACTED")
			changed = true
		}
	}
	if !changed {
		return raw
	}
	u.RawQuery = q.Encode()
	return u.String()
}
