package bot

import "errors"

// The closed set of error kinds the service reports. Every error that
// reaches an HTTP handler wraps one of these (or one of package wecom's
// protocol errors); handlers map them to a status in exactly one function.
var (
	ErrInvalid      = errors.New("invalid input")
	ErrUnauthorized = errors.New("unauthorized")
	ErrForbidden    = errors.New("forbidden")
	ErrNotFound     = errors.New("not found")
	ErrConflict     = errors.New("conflict")
	ErrTooLarge     = errors.New("too large")
	ErrUnavailable  = errors.New("unavailable")
)

// WithKind marks err as one of the kinds above without changing its
// message, so the one status mapping in handlers can see the kind.
func WithKind(err, kind error) error {
	if err == nil {
		return nil
	}
	return kindError{err: err, kind: kind}
}

type kindError struct{ err, kind error }

func (e kindError) Error() string   { return e.err.Error() }
func (e kindError) Unwrap() []error { return []error{e.err, e.kind} }
