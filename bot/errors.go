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
