package calendar

import (
	"testing"
	"time"
)

// date parses YYYY-MM-DD or fails the test.
func date(t testing.TB, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatalf("bad test date %q: %v", s, err)
	}
	return d
}

// at parses "YYYY-MM-DD HH:MM" (Asia/Shanghai) or fails the test.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := ParseFrom(s)
	if err != nil {
		t.Fatalf("bad test time %q: %v", s, err)
	}
	return v
}

func hm(h, m int) time.Duration { return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute }

const stamp = "2006-01-02 15:04 Mon"

func newCal(t testing.TB, cfg Config) *Calendar {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}
