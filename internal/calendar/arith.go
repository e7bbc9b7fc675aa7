package calendar

import (
	"math"
	"time"
)

// maxDays caps AddWorkingDays: about 38,000 years, far past any real limit,
// small enough that every result is a representable time.
const maxDays = 10_000_000

// Up to this many days a plain walk over the day table beats the binary
// search (measured with BenchmarkAddWorkingDays: the crossover is at 8–10).
const linearDays = 8

// split gives the day index and wall-clock offset since midnight of t in
// Asia/Shanghai.
func split(t time.Time) (int64, time.Duration) {
	t = t.In(Location())
	y, m, d := t.Date()
	hh, mm, ss := t.Clock()
	off := time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute +
		time.Duration(ss)*time.Second + time.Duration(t.Nanosecond())
	return daysFromCivil(y, m, d), off
}

// instant is the time at wall-clock offset off of day z; time.Date with the
// offset as nanoseconds keeps wall-clock meaning even on the DST days China
// had in 1986–1991.
func instant(z int64, off time.Duration) time.Time {
	y, m, d := civilFromDays(z)
	return time.Date(int(y), m, d, 0, 0, 0, int(off), Location())
}

// nth is the n-th working day strictly after day z0 (n >= 1).
func (s *snapshot) nth(z0 int64, n int) int64 {
	if n <= linearDays {
		z := z0
		for n > 0 {
			z++
			if s.isWorking(z) {
				n--
			}
		}
		return z
	}
	// Smallest x with workingBefore(x) >= target; the day is x-1.
	target := s.workingBefore(z0+1) + int64(n)
	lo := z0 + 1 // workingBefore(lo) < target
	step := int64(n)/5*7 + 7
	hi := lo + step
	for s.workingBefore(hi) < target {
		lo, step = hi, step*2
		hi = lo + step
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if s.workingBefore(mid) >= target {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi - 1
}

// AddWorkingDays is the deadline n working days after from: the end of
// office hours of the n-th working day after the day of from. The day of
// from never counts, whatever the hour. n == 0 means the first end of office
// hours at or after from (today's closing if from is a working day before
// closing, else the next working day's). n < 0 counts as 0.
func (c *Calendar) AddWorkingDays(from time.Time, n int) time.Time {
	s := c.snap.Load()
	n = min(max(n, 0), maxDays)
	z0, off := split(from)
	closing := c.hours.Closing()
	var z int64
	if n == 0 && s.isWorking(z0) && off <= closing {
		z = z0
	} else {
		z = s.nth(z0, max(n, 1))
	}
	return instant(z, closing)
}

// AddWorkingHours is the earliest instant at which d of office time on
// working days has elapsed since from. Time outside office hours does not
// count, so an appeal filed at 20:00 starts counting at the next opening,
// and a limit that ends exactly at a lunch break is due at 12:00, not 13:30.
// d <= 0 returns from.
func (c *Calendar) AddWorkingHours(from time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return from.In(Location())
	}
	s := c.snap.Load()
	h := c.hours
	z0, off := split(from)
	if s.isWorking(z0) {
		done := h.worked(off)
		if left := h.length - done; d <= left {
			return instant(z0, h.at(done+d))
		} else {
			d -= left
		}
	}
	// d > 0 here, and d fits in at most ~341,000 working days.
	q, r := int(d/h.length), d%h.length
	if r == 0 {
		return instant(s.nth(z0, q), h.Closing())
	}
	return instant(s.nth(z0, q+1), h.at(r))
}

// WorkingDuration is the office time on working days between from and to;
// negative when to is before from, so it can measure time left or overdue.
func (c *Calendar) WorkingDuration(from, to time.Time) time.Duration {
	if to.Before(from) {
		return -c.WorkingDuration(to, from)
	}
	s := c.snap.Load()
	h := c.hours
	z0, o0 := split(from)
	z1, o1 := split(to)
	if z0 == z1 {
		if !s.isWorking(z0) {
			return 0
		}
		return max(h.worked(o1)-h.worked(o0), 0)
	}
	var total time.Duration
	if s.isWorking(z0) {
		total += h.length - h.worked(o0)
	}
	if s.isWorking(z1) {
		total += h.worked(o1)
	}
	full := s.workingBefore(z1) - s.workingBefore(z0+1)
	// Saturate instead of overflowing for spans of centuries.
	if full > (math.MaxInt64-int64(total))/int64(h.length) {
		return math.MaxInt64
	}
	return total + time.Duration(full)*h.length
}

// WorkingDaysBetween is WorkingDuration in units of a full office day (7
// hours by default): "average handling time, in working days".
func (c *Calendar) WorkingDaysBetween(from, to time.Time) float64 {
	return float64(c.WorkingDuration(from, to)) / float64(c.hours.length)
}
