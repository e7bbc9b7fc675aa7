package calendar

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestParseFrom(t *testing.T) {
	sh := Location()
	ok := []struct {
		in   string
		want time.Time
	}{
		{"2026-10-01", time.Date(2026, 10, 1, 0, 0, 0, 0, sh)},
		{"2026-10-01T09:30", time.Date(2026, 10, 1, 9, 30, 0, 0, sh)},
		{"2026-10-01 09:30", time.Date(2026, 10, 1, 9, 30, 0, 0, sh)},
		{"2026-10-01T23:59:59", time.Date(2026, 10, 1, 23, 59, 59, 0, sh)},
		{"  2024-02-29  ", time.Date(2024, 2, 29, 0, 0, 0, 0, sh)},
		{"2026-10-01T01:30:00Z", time.Date(2026, 10, 1, 9, 30, 0, 0, sh)},
		{"2026-10-01T09:30:00+08:00", time.Date(2026, 10, 1, 9, 30, 0, 0, sh)},
		{"2026-09-30T20:30:00.5-05:00", time.Date(2026, 10, 1, 9, 30, 0, 5e8, sh)},
		{"0001-01-01", time.Date(1, 1, 1, 0, 0, 0, 0, sh)},
		{"9999-12-31T23:59", time.Date(9999, 12, 31, 23, 59, 0, 0, sh)},
		{"0000-12-31T15:54:17Z", time.Date(1, 1, 1, 0, 0, 0, 0, sh)}, // Shanghai was LMT +08:05:43
	}
	for _, tt := range ok {
		got, err := ParseFrom(tt.in)
		if err != nil {
			t.Errorf("ParseFrom(%q): %v", tt.in, err)
			continue
		}
		if !got.Equal(tt.want) || got.Location() != sh {
			t.Errorf("ParseFrom(%q) = %s (%s), want %s", tt.in, got, got.Location(), tt.want)
		}
	}
	bad := []struct {
		in, code, mention string
	}{
		{"", CodeRequired, "required"},
		{"   ", CodeRequired, "required"},
		{"2026-1-01", CodeFormat, "YYYY-MM-DD"},
		{"26-10-01", CodeFormat, "YYYY-MM-DD"},
		{"2026/10/01", CodeFormat, "YYYY-MM-DD"},
		{"+026-10-01", CodeFormat, "YYYY-MM-DD"},
		{"2026-10-01T9:30", CodeFormat, "use"},
		{"2026-10-01T24:00", CodeFormat, "00:00 to 23:59"},
		{"2026-10-01T09:60", CodeFormat, "00:00 to 23:59"},
		{"2026-10-01T09:30:60", CodeFormat, "00:00 to 23:59"},
		{"2026-10-01X09:30", CodeFormat, "use"},
		{"2026-10-01T09:30:00+0800", CodeFormat, "use"},
		{"2026-10-01T09:30+08:00", CodeFormat, "use"},
		{"tomorrow", CodeFormat, "use"},
		{"0000-01-01", CodeDate, "0001 and 9999"},
		{"9999-12-31T20:00:00Z", CodeDate, "0001 and 9999"}, // year 10000 in Shanghai
		{"0000-12-31T12:00:00Z", CodeDate, "0001 and 9999"},
		{"2026-13-01", CodeDate, "month"},
		{"2026-00-10", CodeDate, "month"},
		{"2025-02-29", CodeDate, "has 28 days"},
		{"2026-04-31", CodeDate, "has 30 days"},
		{"2026-10-00", CodeDate, "has 31 days"},
		{strings.Repeat("2", 1000), CodeFormat, "too long"},
	}
	for _, tt := range bad {
		_, err := ParseFrom(tt.in)
		var fe *FieldError
		if !errors.As(err, &fe) || !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseFrom(%q): err = %v, want a FieldError", tt.in, err)
			continue
		}
		if fe.Field != "from" || fe.Code != tt.code || !strings.Contains(fe.Reason, tt.mention) {
			t.Errorf("ParseFrom(%q): %+v, want field from, code %s, reason mentioning %q", tt.in, fe, tt.code, tt.mention)
		}
	}
}

func TestParseDate(t *testing.T) {
	d, err := ParseDate("2024-02-29")
	if err != nil || d != (Date{2024, 2, 29}) {
		t.Errorf("ParseDate = %v, %v", d, err)
	}
	if _, err := ParseDate("2024-02-29T10:00"); !isFieldError(err, "date") {
		t.Errorf("ParseDate with a time: %v", err)
	}
	var v struct{ D Date }
	if err := v.D.UnmarshalText([]byte("2026-10-10")); err != nil || v.D != (Date{2026, 10, 10}) {
		t.Errorf("UnmarshalText = %v, %v", v.D, err)
	}
	if b, _ := v.D.MarshalText(); string(b) != "2026-10-10" {
		t.Errorf("MarshalText = %s", b)
	}
	if err := v.D.UnmarshalText([]byte("2026-02-30")); err == nil {
		t.Error("UnmarshalText accepted 2026-02-30")
	}
}

func TestValidateWorkingDays(t *testing.T) {
	for _, n := range []int{0, 1, 5, MaxWorkingDays} {
		if err := ValidateWorkingDays(n); err != nil {
			t.Errorf("ValidateWorkingDays(%d) = %v", n, err)
		}
	}
	for _, n := range []int{-1, MaxWorkingDays + 1, math.MaxInt, math.MinInt} {
		err := ValidateWorkingDays(n)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "working_days" || fe.Code != CodeRange {
			t.Errorf("ValidateWorkingDays(%d) = %v, want a range error on working_days", n, err)
		}
	}
}

func TestWorkingHours(t *testing.T) {
	ok := []struct {
		h    float64
		want time.Duration
	}{
		{0, 0}, {2, 2 * time.Hour}, {0.1, 6 * time.Minute}, {1.5, 90 * time.Minute},
		{1.0 / 3, 20 * time.Minute}, {MaxWorkingHours, MaxWorkingHours * time.Hour},
	}
	for _, tt := range ok {
		if got, err := WorkingHours(tt.h); err != nil || got != tt.want {
			t.Errorf("WorkingHours(%v) = %s, %v; want %s", tt.h, got, err, tt.want)
		}
	}
	bad := []struct {
		h    float64
		code string
	}{
		{-0.5, CodeRange}, {MaxWorkingHours + 0.01, CodeRange}, {math.Inf(1), CodeFormat}, {math.NaN(), CodeFormat},
	}
	for _, tt := range bad {
		_, err := WorkingHours(tt.h)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "working_hours" || fe.Code != tt.code {
			t.Errorf("WorkingHours(%v) = %v, want %s error on working_hours", tt.h, err, tt.code)
		}
	}
}

func TestOfficeHours(t *testing.T) {
	def := DefaultOfficeHours()
	if def.String() != "09:00-12:00,13:30-17:30" || def.DayLength() != 7*time.Hour ||
		def.Opening() != 9*time.Hour || def.Closing() != hm(17, 30) {
		t.Errorf("default office hours: %s, %s", def, def.DayLength())
	}
	ok := []struct {
		in     string
		length time.Duration
	}{
		{"09:00-12:00,13:30-17:30", 7 * time.Hour},
		{" 08:30-17:00 ", hm(8, 30)},
		{"09:00-12:00,12:00-13:00", 4 * time.Hour}, // touching is not overlapping
		{"00:00-24:00", 24 * time.Hour},
		{"08:00-10:00,11:00-12:00,14:00-18:00", 7 * time.Hour},
	}
	for _, tt := range ok {
		h, err := ParseOfficeHours(tt.in)
		if err != nil || h.DayLength() != tt.length {
			t.Errorf("ParseOfficeHours(%q) = %s (%s), %v; want length %s", tt.in, h, h.DayLength(), err, tt.length)
		}
		var back OfficeHours
		if text, _ := h.MarshalText(); back.UnmarshalText(text) != nil || back.String() != h.String() {
			t.Errorf("round trip of %q failed: %q", tt.in, text)
		}
	}
	bad := []struct{ in, code string }{
		{"", CodeFormat},
		{"09:00", CodeFormat},
		{"9:00-12:00", CodeFormat},
		{"09:00-12:00;13:30-17:30", CodeFormat},
		{"09:00-24:30", CodeFormat},
		{"12:00-09:00", CodeRange},
		{"09:00-09:00", CodeRange},
		{"09:00-12:00,11:00-13:00", CodeRange}, // overlap
		{"13:30-17:30,09:00-12:00", CodeRange}, // out of order
	}
	for _, tt := range bad {
		_, err := ParseOfficeHours(tt.in)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "office_hours" || fe.Code != tt.code {
			t.Errorf("ParseOfficeHours(%q) = %v, want %s error on office_hours", tt.in, err, tt.code)
		}
	}
	var zero OfficeHours
	if !zero.IsZero() || zero.Opening() != 0 || zero.Closing() != 0 || zero.DayLength() != 0 {
		t.Error("unconfigured OfficeHours is not all zero")
	}
	if c := newCal(t, Config{OfficeHours: zero}); c.OfficeHours().String() != def.String() {
		t.Errorf("New with unconfigured hours uses %s, want the default", c.OfficeHours())
	}
	if _, err := NewOfficeHours(); !isFieldError(err, "office_hours") {
		t.Errorf("NewOfficeHours() with no intervals: %v", err)
	}
	if _, err := NewOfficeHours(Interval{-time.Hour, time.Hour}); !isFieldError(err, "office_hours") {
		t.Errorf("NewOfficeHours with a negative start: %v", err)
	}
	// The calendar keeps its own copy.
	ivs := []Interval{{9 * time.Hour, 17 * time.Hour}}
	h, _ := NewOfficeHours(ivs...)
	ivs[0].End = 10 * time.Hour
	h.Intervals()[0].End = 11 * time.Hour
	if h.Closing() != 17*time.Hour {
		t.Error("OfficeHours shares its intervals with the caller")
	}
}
