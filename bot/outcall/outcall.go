// Package outcall carries WeCom API calls other than messages — the
// intercept-rule sync's add/update/delete, the leavers' transfers —
// through the durable outbox, so that the sender (bot.Sender) makes them
// with its retries, backoff and dead letters, as it delivers alerts.
//
// A package that calls WeCom this way enqueues an Envelope naming its
// call and its arguments under an idempotency key, and registers a
// Handler under the call's name with the sender. The handler makes the
// call against the state it keeps in Redis, so a redelivered entry (a
// crash before the acknowledgement, a replica that took a slow round over)
// changes nothing twice: a handler claims what it sends before sending,
// and records the outcome, whatever it is, before it returns.
package outcall

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Kind is the outbox action kind of a WeCom call (bot.ActWeComCall).
const Kind = "wecom_call"

// HRNoticeKind is the outbox action kind of a markdown notice to HR
// (bot.ActHRNotice): the handover's reminders travel as one.
const HRNoticeKind = "hr_notice"

// Envelope is the outbox payload of a call.
type Envelope struct {
	Kind string          `json:"kind"` // always Kind
	Key  string          `json:"key"`
	Call string          `json:"call"`
	Args json.RawMessage `json:"args"`
	Time time.Time       `json:"time"`
	// Text says in Chinese what the call does, for HR reading the dead
	// letters (发送失败): bot.Action's content.
	Text string `json:"content,omitempty"`
}

// Failure is what the sender tells a handler of a failed call.
type Failure struct {
	Err error
	// Attempt counts the tries so far, this one included.
	Attempt int
	// Retry is when the outbox tries again; zero when Dead.
	Retry time.Time
	// Dead: the outbox gave up (a permanent error, or too many tries, or
	// too long); the entry is in the dead letters, where an operator may
	// retry it.
	Dead bool
	// Reason says why it died, for readers.
	Reason string
}

// Handler makes one kind of call.
type Handler interface {
	// Deliver makes the call described by args; attempt counts the earlier
	// tries (0 the first time). A nil error acknowledges the entry, also
	// when the handler found the call no longer needed.
	Deliver(ctx context.Context, args json.RawMessage, attempt int) error
	// Failed records a failed Deliver: retried at f.Retry, or dead. An
	// error leaves the entry where it is, to be taken up again.
	Failed(ctx context.Context, args json.RawMessage, f Failure) error
}

// Outbox is where calls are queued (*store.Store).
type Outbox interface {
	Enqueue(ctx context.Context, key string, payload []byte, now time.Time) (added bool, err error)
}

// ErrBusy is returned by a handler whose call another delivery has
// claimed and not finished: retried later, like a busy WeCom.
var ErrBusy = errors.New("call under way elsewhere")

// Enqueue queues call with args under the idempotency key (not queued
// again while the key's mark lives, 7 days); text says in Chinese what it
// does.
func Enqueue(ctx context.Context, ob Outbox, call, key, text string, args any, now time.Time) (bool, error) {
	raw, err := json.Marshal(args)
	if err != nil {
		return false, fmt.Errorf("encode %s call %s: %w", call, key, err)
	}
	data, err := json.Marshal(Envelope{Kind: Kind, Key: key, Call: call, Args: raw, Time: now, Text: text})
	if err != nil {
		return false, fmt.Errorf("encode %s call %s: %w", call, key, err)
	}
	return ob.Enqueue(ctx, key, data, now)
}

// notice is the outbox payload of an HR notice (the fields of bot.Action
// it uses).
type notice struct {
	Kind    string    `json:"kind"`
	Key     string    `json:"key"`
	MsgID   string    `json:"msg_id"`
	Time    time.Time `json:"time"`
	Content string    `json:"content"`
}

// EnqueueHRNotice queues markdown for HR's recipients, delivered and
// paced by the sender like every HR notice, under the idempotency key.
func EnqueueHRNotice(ctx context.Context, ob Outbox, key, markdown string, now time.Time) (bool, error) {
	data, err := json.Marshal(notice{Kind: HRNoticeKind, Key: key, MsgID: key, Time: now, Content: markdown})
	if err != nil {
		return false, fmt.Errorf("encode HR notice %s: %w", key, err)
	}
	return ob.Enqueue(ctx, key, data, now)
}
