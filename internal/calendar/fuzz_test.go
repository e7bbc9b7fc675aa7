package calendar

import (
	"testing"
	"time"
)

func FuzzParseFrom(f *testing.F) {
	for _, s := range []string{
		"2026-10-01", "2026-10-01T09:30", "2026-10-01 09:30:59", "2026-10-01T01:30:00Z",
		"2026-10-01T09:30:00.123+08:00", "2025-02-29", "", "0000-00-00", "9999-12-31T23:59",
		"2026-10-01T", "2026-10-01T24:00", "２０２６-10-01", "2026-10-01\x00", "-001-01-01",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseFrom(s)
		if err != nil {
			if _, ok := err.(*FieldError); !ok {
				t.Fatalf("ParseFrom(%q): error %T is not a *FieldError", s, err)
			}
			return
		}
		if got.Location() != Location() {
			t.Fatalf("ParseFrom(%q) in %s", s, got.Location())
		}
		// What we accept we can print back and read again. In UTC, because
		// before 1901 Asia/Shanghai is LMT +08:05:43 and RFC 3339 offsets
		// stop at minutes.
		again, err := ParseFrom(got.UTC().Format(time.RFC3339Nano))
		if err != nil || !again.Equal(got) {
			t.Fatalf("ParseFrom(%q) = %s; round trip gives %s, %v", s, got, again, err)
		}
	})
}

// fuzzFrom maps any int64 to an instant between years 1 and 9999, the range
// ParseFrom accepts.
func fuzzFrom(sec int64) time.Time {
	lo := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC).Unix()
	return time.Unix(lo+floorMod(sec, hi-lo), 0)
}

func FuzzAddWorkingDays(f *testing.F) {
	f.Add(int64(0), 0)
	f.Add(at(f, "2024-02-09 16:00").Unix(), 2)
	f.Add(at(f, "2025-09-30 17:31").Unix(), 0)
	f.Add(at(f, "2027-10-01 10:00").Unix(), 365)
	f.Add(int64(-1<<62), 1<<40)
	c := newCal(f, Config{Overrides: []Override{
		{Date: Date{2028, 1, 29}, Kind: OverrideWorkday},
		{Date: Date{2028, 2, 1}, Kind: OverrideHoliday},
	}})
	closing := c.OfficeHours().Closing()
	f.Fuzz(func(t *testing.T, sec int64, n int) {
		from := fuzzFrom(sec)
		due := c.AddWorkingDays(from, n)
		if due.Before(from) {
			t.Fatalf("AddWorkingDays(%s, %d) = %s, before from", from, n, due)
		}
		if !c.IsWorkingDay(DateOf(due)) {
			t.Fatalf("AddWorkingDays(%s, %d) = %s, not a working day", from, n, due)
		}
		if _, off := split(due); off != closing {
			t.Fatalf("AddWorkingDays(%s, %d) = %s, not at closing", from, n, due)
		}
		if n >= 1 && n <= MaxWorkingDays {
			// Exactly n working days after the day of from, the last being due's.
			z0, _ := split(from)
			z1, _ := split(due)
			s := c.snap.Load()
			if got := s.workingBefore(z1+1) - s.workingBefore(z0+1); got != int64(n) {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, which is %d working days later", from, n, due, got)
			}
		}
	})
}

func FuzzAddWorkingHours(f *testing.F) {
	f.Add(at(f, "2024-03-08 17:00").Unix(), int64(2*time.Hour))
	f.Add(at(f, "2025-09-30 11:59").Unix(), int64(time.Minute))
	f.Add(int64(0), int64(-1))
	c := Default()
	f.Fuzz(func(t *testing.T, sec int64, d int64) {
		from := fuzzFrom(sec)
		dur := time.Duration(floorMod(d, int64(MaxWorkingHours*time.Hour)+1))
		due := c.AddWorkingHours(from, dur)
		if due.Before(from) {
			t.Fatalf("AddWorkingHours(%s, %s) = %s, before from", from, dur, due)
		}
		if got := c.WorkingDuration(from, due); got != dur {
			t.Fatalf("AddWorkingHours(%s, %s) = %s, which is %s of office time", from, dur, due, got)
		}
	})
}
