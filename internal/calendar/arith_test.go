package calendar

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestAddWorkingDays(t *testing.T) {
	c := Default()
	tests := []struct {
		name string
		from string
		n    int
		want string
	}{
		// 2024 Spring Festival: Feb 10–17 off, Sun Feb 4 and Sun Feb 18 working.
		{"2024 spring: Thu +1 is 除夕 Friday, a working day", "2024-02-08 10:00", 1, "2024-02-09 17:30"},
		{"2024 spring: Thu +2 jumps the break to make-up Sunday", "2024-02-08 10:00", 2, "2024-02-18 17:30"},
		{"2024 spring: Thu +3", "2024-02-08 10:00", 3, "2024-02-19 17:30"},
		{"2024 spring: Fri afternoon +1", "2024-02-09 15:00", 1, "2024-02-18 17:30"},
		{"2024 spring: Sat +1 is make-up Sunday Feb 4", "2024-02-03 10:00", 1, "2024-02-04 17:30"},
		{"2024 spring: from a holiday +5", "2024-02-11 10:00", 5, "2024-02-22 17:30"},
		{"2024 spring: n=0 on make-up Sunday", "2024-02-04 10:00", 0, "2024-02-04 17:30"},
		{"2024 spring: n=0 on a holiday", "2024-02-12 10:00", 0, "2024-02-18 17:30"},
		// 2024 Labour Day: May 1–5 off, Sun Apr 28 and Sat May 11 working.
		{"2024 labour: Fri +1 is make-up Sunday", "2024-04-26 16:00", 1, "2024-04-28 17:30"},
		{"2024 labour: Tue +1", "2024-04-30 09:00", 1, "2024-05-06 17:30"},
		{"2024 labour: +5 ends on make-up Saturday", "2024-05-06 09:00", 5, "2024-05-11 17:30"},
		// 2024 National Day: Oct 1–7 off, Sun Sep 29 and Sat Oct 12 working.
		{"2024 national: Fri +1 is make-up Sunday", "2024-09-27 16:00", 1, "2024-09-29 17:30"},
		{"2024 national: Fri +2", "2024-09-27 16:00", 2, "2024-09-30 17:30"},
		{"2024 national: Fri +3 after the break", "2024-09-27 16:00", 3, "2024-10-08 17:30"},
		{"2024 national: Mon +5 ends on make-up Saturday", "2024-09-30 09:00", 5, "2024-10-12 17:30"},
		{"2024 national: Tue +5 passes make-up Saturday", "2024-10-08 09:00", 5, "2024-10-14 17:30"},
		// 2025 Spring Festival: Jan 28–Feb 4 off, Sun Jan 26 and Sat Feb 8 working.
		{"2025 spring: Fri evening +1 is make-up Sunday", "2025-01-24 18:00", 1, "2025-01-26 17:30"},
		{"2025 spring: Fri +3", "2025-01-24 18:00", 3, "2025-02-05 17:30"},
		{"2025 spring: Mon +5 through make-up Saturday", "2025-01-27 09:00", 5, "2025-02-10 17:30"},
		// 2025 Labour Day: May 1–5 off, Sun Apr 27 working.
		{"2025 labour: Fri +1", "2025-04-25 10:00", 1, "2025-04-27 17:30"},
		{"2025 labour: Wed 17:00 +1", "2025-04-30 17:00", 1, "2025-05-06 17:30"},
		{"2025 labour: Fri +5", "2025-04-25 10:00", 5, "2025-05-06 17:30"},
		// 2025 National Day + Mid-Autumn: Oct 1–8 off, Sun Sep 28 and Sat Oct 11 working.
		{"2025 national: Fri +1", "2025-09-26 10:00", 1, "2025-09-28 17:30"},
		{"2025 national: Tue +1", "2025-09-30 10:00", 1, "2025-10-09 17:30"},
		{"2025 national: Tue +3 ends on make-up Saturday", "2025-09-30 10:00", 3, "2025-10-11 17:30"},
		{"2025 national: n=0 in the break", "2025-10-03 10:00", 0, "2025-10-09 17:30"},
		// 2026 Spring Festival: Feb 15–23 off, Sat Feb 14 and Sat Feb 28 working.
		{"2026 spring: Fri +1 is make-up Saturday", "2026-02-13 10:00", 1, "2026-02-14 17:30"},
		{"2026 spring: Fri +2", "2026-02-13 10:00", 2, "2026-02-24 17:30"},
		{"2026 spring: Tue +4 ends on make-up Saturday", "2026-02-24 10:00", 4, "2026-02-28 17:30"},
		{"2026 spring: Tue +5", "2026-02-24 10:00", 5, "2026-03-02 17:30"},
		// 2026 Labour Day: May 1–5 off, Sat May 9 working.
		{"2026 labour: Thu +1", "2026-04-30 10:00", 1, "2026-05-06 17:30"},
		{"2026 labour: Thu +4 ends on make-up Saturday", "2026-04-30 10:00", 4, "2026-05-09 17:30"},
		// 2026 Mid-Autumn Sep 25–27 and National Day Oct 1–7; Sun Sep 20, Sat Oct 10 working.
		{"2026 national: Fri +1 is make-up Sunday", "2026-09-18 10:00", 1, "2026-09-20 17:30"},
		{"2026 mid-autumn: Thu +1", "2026-09-24 10:00", 1, "2026-09-28 17:30"},
		{"2026 national: Wed +1", "2026-09-30 10:00", 1, "2026-10-08 17:30"},
		{"2026 national: Wed +3 ends on make-up Saturday", "2026-09-30 10:00", 3, "2026-10-10 17:30"},
		{"2026 national: Thu +5", "2026-09-17 10:00", 5, "2026-09-23 17:30"},
		// n = 0 and the hour of from.
		{"n=0 before opening", "2024-10-08 08:00", 0, "2024-10-08 17:30"},
		{"n=0 at closing", "2024-10-08 17:30", 0, "2024-10-08 17:30"},
		{"n=0 after closing", "2024-10-08 17:31", 0, "2024-10-09 17:30"},
		{"n<0 counts as 0", "2024-10-08 08:00", -3, "2024-10-08 17:30"},
		{"the hour does not matter: 00:00", "2024-03-11 00:00", 1, "2024-03-12 17:30"},
		{"the hour does not matter: 23:59", "2024-03-11 23:59", 1, "2024-03-12 17:30"},
		// Years without statutory data: weekends only.
		{"2028: Fri +1", "2028-09-29 10:00", 1, "2028-10-02 17:30"},
		{"1999: Fri +1 across the millennium", "1999-12-31 10:00", 1, "2000-01-03 17:30"},
		// Long limits take the binary-search path.
		{"+40 over Spring Festival 2026", "2026-01-05 10:00", 40, "2026-03-06 17:30"},
		{"+365 over 2024", "2024-01-01 10:00", 365, "2025-06-20 17:30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.AddWorkingDays(at(t, tt.from), tt.n)
			want := at(t, tt.want)
			if !got.Equal(want) {
				t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tt.from, tt.n, got.Format(stamp), want.Format(stamp))
			}
			if got.Location() != Location() {
				t.Errorf("location %s, want Asia/Shanghai", got.Location())
			}
		})
	}
}

// An instant given in another zone is counted on its Shanghai date.
func TestAddWorkingDaysOtherZone(t *testing.T) {
	c := Default()
	from := time.Date(2024, 2, 8, 17, 0, 0, 0, time.UTC) // Friday 2024-02-09 01:00 in Shanghai
	got := c.AddWorkingDays(from, 1)
	if want := at(t, "2024-02-18 17:30"); !got.Equal(want) || got.Location() != Location() {
		t.Errorf("got %s (%s), want %s in Asia/Shanghai", got.Format(stamp), got.Location(), want.Format(stamp))
	}
}

func TestAddWorkingHours(t *testing.T) {
	c := Default()
	tests := []struct {
		name string
		from string
		d    time.Duration
		want string
	}{
		{"Friday 17:00 + 2h", "2024-03-08 17:00", 2 * time.Hour, "2024-03-11 10:30"},
		{"Friday 20:00 + 2h counts from next opening", "2024-03-08 20:00", 2 * time.Hour, "2024-03-11 11:00"},
		{"Saturday + 2h", "2024-03-09 15:00", 2 * time.Hour, "2024-03-11 11:00"},
		{"before opening", "2024-03-07 07:00", time.Hour, "2024-03-07 10:00"},
		{"ends exactly at lunch: due at 12:00", "2024-03-07 11:00", time.Hour, "2024-03-07 12:00"},
		{"across lunch", "2024-03-07 11:00", hm(1, 30), "2024-03-07 14:00"},
		{"from inside lunch", "2024-03-07 12:30", time.Hour, "2024-03-07 14:30"},
		{"a full day from opening", "2024-03-07 09:00", 7 * time.Hour, "2024-03-07 17:30"},
		{"a full day from 10:00", "2024-03-07 10:00", 7 * time.Hour, "2024-03-08 10:00"},
		{"8h from opening", "2024-03-07 09:00", 8 * time.Hour, "2024-03-08 10:00"},
		{"two full days from Monday opening", "2024-03-11 09:00", 14 * time.Hour, "2024-03-12 17:30"},
		{"three days less a minute", "2024-03-11 09:00", hm(20, 59), "2024-03-13 17:29"},
		{"seconds are kept", "2024-03-11 09:00", 90 * time.Second, "2024-03-11 09:01:30"},
		{"zero returns from", "2024-03-09 15:00", 0, "2024-03-09 15:00"},
		{"negative returns from", "2024-03-09 15:00", -time.Hour, "2024-03-09 15:00"},
		// Holidays and make-up days.
		{"2024 除夕 Friday into make-up Sunday", "2024-02-09 16:00", 2 * time.Hour, "2024-02-18 09:30"},
		{"2025 before National Day", "2025-09-30 17:00", time.Hour, "2025-10-09 09:30"},
		{"2025 inside National Day", "2025-10-03 10:00", 2 * time.Hour, "2025-10-09 11:00"},
		{"2026 Friday into make-up Saturday", "2026-02-13 17:00", 2 * time.Hour, "2026-02-14 10:30"},
		{"2026 make-up Saturday Oct 10 counts", "2026-10-09 17:00", 8 * time.Hour, "2026-10-12 09:30"},
		{"2024 Labour Day, ends at a closing", "2024-04-30 13:30", 11 * time.Hour, "2024-05-06 17:30"},
		{"2024 Labour Day, ends at lunch", "2024-04-30 13:30", 14 * time.Hour, "2024-05-07 12:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from := at(t, tt.from)
			got := c.AddWorkingHours(from, tt.d)
			want := at(t, tt.want)
			if !got.Equal(want) {
				t.Errorf("AddWorkingHours(%s, %s) = %s, want %s", tt.from, tt.d, got.Format(stamp+":05"), want.Format(stamp+":05"))
			}
			if tt.d > 0 {
				if back := c.WorkingDuration(from, got); back != tt.d {
					t.Errorf("WorkingDuration back = %s, want %s", back, tt.d)
				}
			}
		})
	}
}

func TestWorkingDuration(t *testing.T) {
	c := Default()
	tests := []struct {
		name     string
		from, to string
		want     time.Duration
	}{
		{"same instant", "2024-03-11 10:00", "2024-03-11 10:00", 0},
		{"morning", "2024-03-11 09:00", "2024-03-11 12:00", 3 * time.Hour},
		{"across lunch", "2024-03-11 11:00", "2024-03-11 14:00", hm(1, 30)},
		{"inside lunch", "2024-03-11 12:10", "2024-03-11 13:20", 0},
		{"evening", "2024-03-11 18:00", "2024-03-11 23:00", 0},
		{"whole day", "2024-03-11 00:00", "2024-03-12 00:00", 7 * time.Hour},
		{"Friday 17:00 to Monday 10:30", "2024-03-08 17:00", "2024-03-11 10:30", 2 * time.Hour},
		{"a weekend", "2024-03-09 00:00", "2024-03-11 00:00", 0},
		{"a make-up Sunday counts", "2024-02-04 00:00", "2024-02-05 00:00", 7 * time.Hour},
		{"Spring Festival 2024 break", "2024-02-09 17:30", "2024-02-18 09:00", 0},
		{"National Day 2025", "2025-09-30 09:00", "2025-10-09 09:00", 7 * time.Hour},
		{"a month", "2024-03-01 00:00", "2024-04-01 00:00", 21 * 7 * time.Hour},
		{"reversed is negative", "2024-03-11 14:00", "2024-03-11 11:00", -hm(1, 30)},
		// 261 weekdays - 18 weekday holidays + 5 make-up days.
		{"a year: 2025 has 248 working days", "2025-01-01 00:00", "2026-01-01 00:00", 248 * 7 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.WorkingDuration(at(t, tt.from), at(t, tt.to)); got != tt.want {
				t.Errorf("WorkingDuration(%s, %s) = %s, want %s", tt.from, tt.to, got, tt.want)
			}
		})
	}
	// Handling time in working days: Mon Sep 30 and Tue Oct 8 in full, then
	// 3.5 hours of Wed Oct 9: 17.5 hours of 7-hour days.
	if got := c.WorkingDaysBetween(at(t, "2024-09-30 09:00"), at(t, "2024-10-09 14:00")); got != 2.5 {
		t.Errorf("WorkingDaysBetween = %v, want 2.5", got)
	}
}

func TestCustomOfficeHours(t *testing.T) {
	h, err := ParseOfficeHours("08:30-17:00")
	if err != nil {
		t.Fatal(err)
	}
	c := newCal(t, Config{OfficeHours: h})
	if got, want := c.AddWorkingDays(at(t, "2024-03-08 10:00"), 1), at(t, "2024-03-11 17:00"); !got.Equal(want) {
		t.Errorf("AddWorkingDays = %s, want %s", got.Format(stamp), want.Format(stamp))
	}
	if got, want := c.AddWorkingHours(at(t, "2024-03-08 16:00"), 2*time.Hour), at(t, "2024-03-11 09:30"); !got.Equal(want) {
		t.Errorf("AddWorkingHours = %s, want %s", got.Format(stamp), want.Format(stamp))
	}
	if got := c.WorkingDaysBetween(at(t, "2024-03-11 08:30"), at(t, "2024-03-12 12:45")); got != 1.5 {
		t.Errorf("WorkingDaysBetween = %v, want 1.5", got)
	}
}

// refNth walks the dates one by one with time.Time, the obviously-correct way.
func refNth(c *Calendar, from time.Time, n int) Date {
	d := DateOf(from)
	for n > 0 {
		d = DateOf(d.Start().AddDate(0, 0, 1))
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d
}

// refDuration sums office time day by day with time.Time arithmetic.
func refDuration(c *Calendar, from, to time.Time) time.Duration {
	var total time.Duration
	for d := DateOf(from); d.Compare(DateOf(to)) <= 0; d = DateOf(d.Start().AddDate(0, 0, 1)) {
		if !c.IsWorkingDay(d) {
			continue
		}
		for _, iv := range c.OfficeHours().Intervals() {
			a, b := d.Start().Add(iv.Start), d.Start().Add(iv.End)
			if from.After(a) {
				a = from
			}
			if to.Before(b) {
				b = to
			}
			if b.After(a) {
				total += b.Sub(a)
			}
		}
	}
	return total
}

// The table lookups, running sums and binary search must agree with the
// plain day-by-day definitions, on the statutory years and beyond, with and
// without overrides.
func TestArithmeticMatchesReference(t *testing.T) {
	withOverrides := newCal(t, Config{Overrides: []Override{
		{Date: Date{2024, 10, 12}, Kind: OverrideHoliday},
		{Date: Date{2028, 1, 29}, Kind: OverrideWorkday},
		{Date: Date{2028, 2, 1}, Kind: OverrideHoliday},
		{Date: Date{2150, 6, 1}, Kind: OverrideHoliday},
	}})
	rng := rand.New(rand.NewPCG(1, 2))
	lo := at(t, "1998-01-01 00:00").Unix()
	hi := at(t, "2031-01-01 00:00").Unix()
	for _, c := range []*Calendar{Default(), withOverrides} {
		for i := 0; i < 3000; i++ {
			from := time.Unix(lo+rng.Int64N(hi-lo), 0).In(Location())
			n := rng.IntN(60)
			if i%10 == 0 {
				n = rng.IntN(MaxWorkingDays + 1)
			}
			got := c.AddWorkingDays(from, n)
			if n > 0 {
				if want := refNth(c, from, n); DateOf(got) != want {
					t.Fatalf("AddWorkingDays(%s, %d) = %s, reference %s", from.Format(stamp), n, DateOf(got), want)
				}
			}
			to := from.Add(time.Duration(rng.Int64N(int64(40 * 24 * time.Hour))))
			if got, want := c.WorkingDuration(from, to), refDuration(c, from, to); got != want {
				t.Fatalf("WorkingDuration(%s, %s) = %s, reference %s", from.Format(stamp), to.Format(stamp), got, want)
			}
			d := time.Duration(rng.Int64N(int64(200 * time.Hour)))
			due := c.AddWorkingHours(from, d)
			if back := refDuration(c, from, due); back != d {
				t.Fatalf("AddWorkingHours(%s, %s) = %s, which is %s of office time", from.Format(stamp), d, due.Format(stamp), back)
			}
			// Earliest: one nanosecond earlier is not enough.
			if d > 0 && refDuration(c, from, due.Add(-time.Nanosecond)) >= d {
				t.Fatalf("AddWorkingHours(%s, %s) = %s is not the earliest instant", from.Format(stamp), d, due.Format(stamp))
			}
		}
	}
}

func TestCivilConversionMatchesTime(t *testing.T) {
	for _, y := range []int{-400, -1, 0, 1, 1582, 1900, 1970, 2000, 2024, 2100, 9999, 100000} {
		for m := time.January; m <= time.December; m++ {
			for _, d := range []int{1, 15, 28, daysInMonth(y, m)} {
				tm := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
				z := daysFromCivil(y, m, d)
				if want := floorDiv(tm.Unix(), 86400); z != want {
					t.Fatalf("daysFromCivil(%d-%d-%d) = %d, want %d", y, m, d, z, want)
				}
				if gy, gm, gd := civilFromDays(z); int(gy) != y || gm != m || gd != d {
					t.Fatalf("civilFromDays(%d) = %d-%d-%d, want %d-%d-%d", z, gy, gm, gd, y, m, d)
				}
				if wd := weekdayOf(z); wd != tm.Weekday() {
					t.Fatalf("weekdayOf(%d-%d-%d) = %s, want %s", y, m, d, wd, tm.Weekday())
				}
			}
		}
	}
	// Normalisation like time.Date.
	if got := NewDate(2025, 2, 29); got != (Date{2025, 3, 1}) {
		t.Errorf("NewDate(2025, 2, 29) = %s", got)
	}
	if got := NewDate(2025, 13, 1); got != (Date{2026, 1, 1}) {
		t.Errorf("NewDate(2025, 13, 1) = %s", got)
	}
	if got := NewDate(2025, 0, 0); got != (Date{2024, 11, 30}) {
		t.Errorf("NewDate(2025, 0, 0) = %s", got)
	}
}

// Huge or extreme inputs are clamped or saturated, never a panic or a
// result before from.
func TestExtremeInputs(t *testing.T) {
	c := Default()
	from := at(t, "2026-11-25 10:00")
	for _, n := range []int{maxDays, maxDays + 1, 1 << 62, -1 << 62} {
		if due := c.AddWorkingDays(from, n); due.Before(from) || !c.IsWorkingDay(DateOf(due)) {
			t.Errorf("AddWorkingDays(n=%d) = %s", n, due)
		}
	}
	if due := c.AddWorkingHours(from, time.Duration(1<<63-1)); due.Before(from) {
		t.Errorf("AddWorkingHours(max) = %s", due)
	}
	far := time.Date(9999, 12, 31, 23, 0, 0, 0, Location())
	if got := c.WorkingDuration(time.Date(1, 1, 1, 0, 0, 0, 0, Location()), far); got != 1<<63-1 {
		t.Errorf("WorkingDuration over 10,000 years = %s, want saturation", got)
	}
	if got := c.WorkingDuration(far, time.Date(1, 1, 1, 0, 0, 0, 0, Location())); got >= 0 {
		t.Errorf("reversed WorkingDuration over 10,000 years = %s, want negative", got)
	}
}
