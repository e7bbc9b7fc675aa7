// Package apperr holds the errors every service returns and every surface maps: sentinels
// for not-found, conflict, forbidden and invalid input, and Error, which carries a catalog
// key (so the UI and the API can say it in the user's language) and, for validation, the
// fields at fault.
package apperr

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Sentinels. The HTTP layer maps them: NotFound 404, Conflict 409, Forbidden 403,
// Invalid 422, IllegalMove 409, Unauthorized 401, TooMany 429, TooLarge 413.
var (
	ErrNotFound     = errors.New("not found")
	ErrConflict     = errors.New("conflict")
	ErrForbidden    = errors.New("forbidden")
	ErrInvalid      = errors.New("invalid input")
	ErrIllegalMove  = errors.New("illegal move")
	ErrUnauthorized = errors.New("unauthorized")
	ErrTooMany      = errors.New("too many requests")
	ErrTooLarge     = errors.New("too large")
)

// FieldError is one field's problem: Key is a catalog key, Args its template data.
type FieldError struct {
	Field string
	Key   string
	Args  map[string]any
}

// Error is a domain error with a message key.
type Error struct {
	Kind   error
	Key    string
	Args   map[string]any
	Fields []FieldError
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.Error())
	if e.Key != "" {
		b.WriteString(": ")
		b.WriteString(e.Key)
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Key)
	}
	if len(e.Args) > 0 {
		keys := make([]string, 0, len(e.Args))
		for k := range e.Args {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, " %s=%v", k, e.Args[k])
		}
	}
	return b.String()
}

// Unwrap lets errors.Is match the sentinel.
func (e *Error) Unwrap() error { return e.Kind }

// New returns an error of kind with a message key and args (key/value pairs).
func New(kind error, key string, kv ...any) *Error {
	return &Error{Kind: kind, Key: key, Args: args(kv)}
}

// NotFound says an object does not exist or is outside the actor's scope: the two are
// deliberately indistinguishable.
func NotFound(what string) *Error { return New(ErrNotFound, "error.not_found", "What", what) }

// Conflict says someone else changed the object first.
func Conflict() *Error { return New(ErrConflict, "error.conflict") }

// Forbidden says the actor's role does not allow the action at all.
func Forbidden() *Error { return New(ErrForbidden, "error.forbidden") }

func args(kv []any) map[string]any {
	if len(kv) == 0 {
		return nil
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return m
}

// Validation collects field errors; its Err is nil while it holds none.
type Validation struct{ fields []FieldError }

// Add records a problem with field.
func (v *Validation) Add(field, key string, kv ...any) {
	v.fields = append(v.fields, FieldError{Field: field, Key: key, Args: args(kv)})
}

// Has reports whether field already has a problem.
func (v *Validation) Has(field string) bool {
	for _, f := range v.fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns the collected problems as one *Error of kind ErrInvalid, or nil.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Kind: ErrInvalid, Key: "error.invalid", Fields: v.fields}
}

// Invalid is a one-field validation error.
func Invalid(field, key string, kv ...any) *Error {
	return &Error{Kind: ErrInvalid, Key: "error.invalid", Fields: []FieldError{{Field: field, Key: key, Args: args(kv)}}}
}

// As returns err's *Error if it has one.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
