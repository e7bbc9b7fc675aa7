package calendar

import (
	"fmt"
	"strings"
	"time"
)

// Interval is one stretch of office time, as offsets from local midnight
// (wall clock, Asia/Shanghai). End may be 24h.
type Interval struct {
	Start time.Duration
	End   time.Duration
}

func (iv Interval) String() string { return clockString(iv.Start) + "-" + clockString(iv.End) }

// OfficeHours is the list of office intervals of every working day. The zero
// value means "not configured" and New replaces it with DefaultOfficeHours.
// An OfficeHours is immutable once built, so it is safe to share.
type OfficeHours struct {
	iv     []Interval
	length time.Duration
}

// DefaultOfficeHours is 09:00–12:00 and 13:30–17:30, the usual hours of
// municipal offices: 7 hours a day.
func DefaultOfficeHours() OfficeHours {
	h, _ := NewOfficeHours(
		Interval{9 * time.Hour, 12 * time.Hour},
		Interval{13*time.Hour + 30*time.Minute, 17*time.Hour + 30*time.Minute},
	)
	return h
}

// NewOfficeHours validates the intervals: at least one, each non-empty and
// within the day, ordered and non-overlapping (touching is allowed).
func NewOfficeHours(intervals ...Interval) (OfficeHours, error) {
	if len(intervals) == 0 {
		return OfficeHours{}, &FieldError{Field: "office_hours", Code: CodeRequired, Reason: "at least one interval is required"}
	}
	iv := make([]Interval, len(intervals))
	copy(iv, intervals)
	var length time.Duration
	for i, v := range iv {
		if v.Start < 0 || v.End > 24*time.Hour || v.Start >= v.End {
			return OfficeHours{}, &FieldError{Field: "office_hours", Code: CodeRange,
				Reason: fmt.Sprintf("interval %s must start before it ends, within 00:00-24:00", v)}
		}
		if i > 0 && v.Start < iv[i-1].End {
			return OfficeHours{}, &FieldError{Field: "office_hours", Code: CodeRange,
				Reason: fmt.Sprintf("interval %s overlaps or precedes %s; list intervals in order without overlap", v, iv[i-1])}
		}
		length += v.End - v.Start
	}
	return OfficeHours{iv: iv, length: length}, nil
}

// ParseOfficeHours reads "09:00-12:00,13:30-17:30" (the form String writes).
func ParseOfficeHours(s string) (OfficeHours, error) {
	var ivs []Interval
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		a, b, ok := strings.Cut(part, "-")
		if !ok {
			return OfficeHours{}, officeHoursFormatError(part)
		}
		start, ok1 := parseClock(strings.TrimSpace(a))
		end, ok2 := parseClock(strings.TrimSpace(b))
		if !ok1 || !ok2 {
			return OfficeHours{}, officeHoursFormatError(part)
		}
		ivs = append(ivs, Interval{start, end})
	}
	return NewOfficeHours(ivs...)
}

func officeHoursFormatError(part string) error {
	return &FieldError{Field: "office_hours", Code: CodeFormat,
		Reason: fmt.Sprintf("%q is not HH:MM-HH:MM; expected e.g. 09:00-12:00,13:30-17:30", part)}
}

// parseClock reads HH:MM, 00:00 to 24:00.
func parseClock(s string) (time.Duration, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	h, ok1 := digits(s[0:2])
	m, ok2 := digits(s[3:5])
	if !ok1 || !ok2 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, false
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, true
}

func clockString(d time.Duration) string {
	h := d / time.Hour
	m := (d % time.Hour) / time.Minute
	s := (d % time.Minute) / time.Second
	if s != 0 {
		return fmt.Sprintf("%02d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%02d:%02d", h, m)
}

func (h OfficeHours) String() string {
	parts := make([]string, len(h.iv))
	for i, v := range h.iv {
		parts[i] = v.String()
	}
	return strings.Join(parts, ",")
}

func (h OfficeHours) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

func (h *OfficeHours) UnmarshalText(b []byte) error {
	v, err := ParseOfficeHours(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// IsZero reports whether h is unconfigured.
func (h OfficeHours) IsZero() bool { return len(h.iv) == 0 }

// Intervals returns a copy of the intervals.
func (h OfficeHours) Intervals() []Interval { return append([]Interval(nil), h.iv...) }

// DayLength is the office time of one full working day.
func (h OfficeHours) DayLength() time.Duration { return h.length }

// Opening is when the first interval starts; Closing when the last ends
// (deadlines in whole working days fall at Closing). Both are 0 when h is
// unconfigured.
func (h OfficeHours) Opening() time.Duration {
	if len(h.iv) == 0 {
		return 0
	}
	return h.iv[0].Start
}

func (h OfficeHours) Closing() time.Duration {
	if len(h.iv) == 0 {
		return 0
	}
	return h.iv[len(h.iv)-1].End
}

// worked is the office time between midnight and off on a working day.
func (h OfficeHours) worked(off time.Duration) time.Duration {
	var w time.Duration
	for _, v := range h.iv {
		if off <= v.Start {
			break
		}
		w += min(off, v.End) - v.Start
	}
	return w
}

// at is the earliest offset at which w of office time has been worked since
// midnight (0 < w <= length). "Earliest" puts a deadline that uses up the
// morning at 12:00 rather than at 13:30.
func (h OfficeHours) at(w time.Duration) time.Duration {
	for _, v := range h.iv {
		if n := v.End - v.Start; w <= n {
			return v.Start + w
		} else {
			w -= n
		}
	}
	return h.Closing()
}
