package wecom_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"testing"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

func TestClassification(t *testing.T) {
	api := func(code int) error {
		return fmt.Errorf("send text: %w", &wecom.APIError{Code: code, Msg: "m", API: "message/send"})
	}
	httpErr := func(status int) error {
		return fmt.Errorf("call: %w", &wecom.HTTPError{API: "user/get", Status: status})
	}
	netErr := &url.Error{Op: "Post", URL: "https://qyapi.weixin.qq.com/cgi-bin/message/send", Err: &net.OpError{Op: "dial", Err: io.ErrUnexpectedEOF}}
	tests := []struct {
		name                                         string
		err                                          error
		retryable, tokenInvalid, permanent, notFound bool
	}{
		{"nil", nil, false, false, false, false},
		{"busy -1", api(-1), true, false, false, false},
		{"45009 frequency", api(45009), true, false, false, false},
		{"45033 concurrency", api(45033), true, false, false, false},
		{"40014 invalid token", api(40014), false, true, false, false},
		{"41001 missing token", api(41001), false, true, false, false},
		{"42001 expired token", api(42001), false, true, false, false},
		{"40001 bad secret", api(40001), false, false, true, false},
		{"40013 bad corp id", api(40013), false, false, true, false},
		{"40008 bad msgtype", api(40008), false, false, true, false},
		{"44004 empty content", api(44004), false, false, true, false},
		{"60011 no privilege", api(60011), false, false, true, false},
		{"81013 nobody valid", api(81013), false, false, true, false},
		{"93000 bad webhook key", api(93000), false, false, true, false},
		{"60111 unknown user", api(60111), false, false, true, true},
		{"86003 unknown app chat", api(86003), false, false, true, true},
		{"http 500", httpErr(500), true, false, false, false},
		{"http 503", httpErr(503), true, false, false, false},
		{"http 429", httpErr(429), true, false, false, false},
		{"http 404", httpErr(404), false, false, true, false},
		{"network", fmt.Errorf("call: %w", netErr), true, false, false, false},
		{"deadline", fmt.Errorf("call: %w", context.DeadlineExceeded), true, false, false, false},
		{"cancelled", fmt.Errorf("call: %w", context.Canceled), false, false, false, false},
		{"bad answer", fmt.Errorf("decode: %w", wecom.ErrBadAnswer), true, false, false, false},
		{"token busy", fmt.Errorf("refresh: %w", wecom.ErrTokenBusy), true, false, false, false},
		{"paced", fmt.Errorf("send: %w", &wecom.PaceError{Members: []string{"a"}}), true, false, false, false},
		{"invalid request", fmt.Errorf("send: %w", wecom.ErrInvalidRequest), false, false, true, false},
		{"unrelated", errors.New("boom"), false, false, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := [4]bool{wecom.Retryable(tc.err), wecom.TokenInvalid(tc.err), wecom.Permanent(tc.err), wecom.NotFound(tc.err)}
			want := [4]bool{tc.retryable, tc.tokenInvalid, tc.permanent, tc.notFound}
			if got != want {
				t.Fatalf("retryable, token, permanent, notfound = %v, want %v", got, want)
			}
		})
	}
}

func TestAPIErrorMessage(t *testing.T) {
	err := &wecom.APIError{Code: 40008, Msg: "invalid message type", API: "message/send"}
	if got, want := err.Error(), "wecom message/send: errcode 40008: invalid message type"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
