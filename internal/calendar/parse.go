package calendar

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrInvalid is what every *FieldError unwraps to, so callers can test for
// "bad input" (HTTP 422) without knowing which field.
var ErrInvalid = errors.New("calendar: invalid input")

// Codes of a FieldError: stable strings the UI can use as catalog keys.
const (
	CodeRequired = "required"
	CodeFormat   = "format"
	CodeDate     = "date"
	CodeRange    = "range"
)

// FieldError is a validation failure of one input field, shaped for an API
// problem response: {field: "working_days", code: "range", reason: "..."}.
type FieldError struct {
	Field  string `json:"field"`
	Code   string `json:"code"`
	Reason string `json:"reason"`
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }
func (e *FieldError) Unwrap() error { return ErrInvalid }

// Limits on API inputs. A year of working days or ~a year of working hours is
// far beyond any time limit in the product; larger numbers are typing errors.
const (
	MaxWorkingDays  = 365
	MaxWorkingHours = 2000
)

// ValidateWorkingDays checks n against 0..MaxWorkingDays (field "working_days").
func ValidateWorkingDays(n int) error {
	if n < 0 || n > MaxWorkingDays {
		return &FieldError{Field: "working_days", Code: CodeRange,
			Reason: fmt.Sprintf("must be between 0 and %d, got %d", MaxWorkingDays, n)}
	}
	return nil
}

// WorkingHours validates h against 0..MaxWorkingHours (field "working_hours")
// and converts it to a Duration rounded to the second, so that 0.1 hours is
// exactly six minutes rather than a float artefact.
func WorkingHours(h float64) (time.Duration, error) {
	if math.IsNaN(h) || math.IsInf(h, 0) {
		return 0, &FieldError{Field: "working_hours", Code: CodeFormat, Reason: "must be a finite number"}
	}
	if h < 0 || h > MaxWorkingHours {
		return 0, &FieldError{Field: "working_hours", Code: CodeRange,
			Reason: fmt.Sprintf("must be between 0 and %d, got %s", MaxWorkingHours, strconv.FormatFloat(h, 'g', -1, 64))}
	}
	return time.Duration(math.Round(h*3600)) * time.Second, nil
}

// ParseFrom reads the start instant of a deadline computation (field "from"):
//
//	YYYY-MM-DD            00:00 of that day, Asia/Shanghai
//	YYYY-MM-DDTHH:MM      wall time in Asia/Shanghai ('T' or a space)
//	YYYY-MM-DDTHH:MM:SS   idem, with seconds
//	RFC 3339 with a zone  e.g. 2026-10-01T09:00:00+08:00 or ...Z
//
// A bare date is the start of the day, not the office opening: both give the
// same deadlines, and midnight is what a date means everywhere else.
// The result is always in Asia/Shanghai.
func ParseFrom(s string) (time.Time, error) { return parseInstant("from", s) }

const fromFormats = "YYYY-MM-DD or YYYY-MM-DDTHH:MM (Asia/Shanghai)"

func parseInstant(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, &FieldError{Field: field, Code: CodeRequired, Reason: "is required; use " + fromFormats}
	}
	if len(s) > 40 {
		return time.Time{}, &FieldError{Field: field, Code: CodeFormat, Reason: "is too long; use " + fromFormats}
	}
	loc := Location()
	if len(s) >= 10 && !hasZone(s[10:]) {
		d, err := parseDate(field, s[:10])
		if err != nil {
			return time.Time{}, err
		}
		rest := s[10:]
		var hh, mm, ss int
		switch {
		case rest == "":
		case (len(rest) == 6 || len(rest) == 9) && (rest[0] == 'T' || rest[0] == 't' || rest[0] == ' '):
			var ok bool
			if hh, mm, ss, ok = parseHMS(rest[1:]); !ok {
				return time.Time{}, &FieldError{Field: field, Code: CodeFormat,
					Reason: fmt.Sprintf("%q is not a valid time of day; use HH:MM from 00:00 to 23:59", rest[1:])}
			}
		default:
			return time.Time{}, formatError(field, s)
		}
		return time.Date(d.Year, d.Month, d.Day, hh, mm, ss, 0, loc), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, formatError(field, s)
	}
	// The range applies to the Shanghai date, as for the other forms, so
	// that every accepted instant can also be written in UTC and read back.
	if t = t.In(loc); t.Year() < 1 || t.Year() > 9999 {
		return time.Time{}, &FieldError{Field: field, Code: CodeDate,
			Reason: fmt.Sprintf("%q: year in Asia/Shanghai must be between 0001 and 9999", s)}
	}
	return t, nil
}

// hasZone reports whether the part after the date ends in an RFC 3339 zone.
func hasZone(rest string) bool {
	if rest == "" {
		return false
	}
	last := rest[len(rest)-1]
	if last == 'Z' || last == 'z' {
		return true
	}
	return len(rest) > 6 && (rest[len(rest)-6] == '+' || rest[len(rest)-6] == '-') && rest[len(rest)-3] == ':'
}

func formatError(field, s string) error {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return &FieldError{Field: field, Code: CodeFormat, Reason: fmt.Sprintf("%q is not a date or time; use %s", s, fromFormats)}
}

// parseDate reads exactly YYYY-MM-DD and rejects days that do not exist,
// saying why: an operator who typed 2026-02-29 should learn it is not a leap year.
func parseDate(field, s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, &FieldError{Field: field, Code: CodeFormat, Reason: fmt.Sprintf("%q is not a date; use YYYY-MM-DD", s)}
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return Date{}, &FieldError{Field: field, Code: CodeFormat, Reason: fmt.Sprintf("%q is not a date; use YYYY-MM-DD", s)}
	}
	if y < 1 {
		return Date{}, &FieldError{Field: field, Code: CodeDate, Reason: fmt.Sprintf("%q: year must be between 0001 and 9999", s)}
	}
	if m < 1 || m > 12 {
		return Date{}, &FieldError{Field: field, Code: CodeDate, Reason: fmt.Sprintf("%q: month must be between 01 and 12", s)}
	}
	if n := daysInMonth(y, time.Month(m)); d < 1 || d > n {
		return Date{}, &FieldError{Field: field, Code: CodeDate,
			Reason: fmt.Sprintf("%q: no such day, %04d-%02d has %d days", s, y, m, n)}
	}
	return Date{y, time.Month(m), d}, nil
}

// parseHMS reads HH:MM or HH:MM:SS within one day.
func parseHMS(s string) (h, m, sec int, ok bool) {
	if (len(s) != 5 && len(s) != 8) || s[2] != ':' {
		return 0, 0, 0, false
	}
	h, ok1 := digits(s[0:2])
	m, ok2 := digits(s[3:5])
	if !ok1 || !ok2 || h > 23 || m > 59 {
		return 0, 0, 0, false
	}
	if len(s) == 8 {
		var ok3 bool
		if s[5] != ':' {
			return 0, 0, 0, false
		}
		if sec, ok3 = digits(s[6:8]); !ok3 || sec > 59 {
			return 0, 0, 0, false
		}
	}
	return h, m, sec, true
}

// digits reads a fixed-width unsigned decimal; strconv.Atoi would accept
// signs, which a date field must not.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(s) > 0
}
