package calendar

import (
	"fmt"
	"testing"
	"time"
)

// A year of filing times, every 37 minutes, across holidays and weekends.
func benchTimes(b *testing.B) []time.Time {
	start := at(b, "2025-01-01 00:00")
	ts := make([]time.Time, 0, 14300)
	for t := start; t.Year() == 2025; t = t.Add(37 * time.Minute) {
		ts = append(ts, t)
	}
	return ts
}

func BenchmarkAddWorkingDays(b *testing.B) {
	c := Default()
	ts := benchTimes(b)
	for _, n := range []int{1, 5, 10, 15, 30, 365} {
		b.Run(fmt.Sprintf("%dd", n), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				_ = c.AddWorkingDays(ts[i%len(ts)], n)
				i++
			}
		})
	}
}

func BenchmarkAddWorkingHours(b *testing.B) {
	c := Default()
	ts := benchTimes(b)
	for _, d := range []time.Duration{2 * time.Hour, 40 * time.Hour} {
		b.Run(d.String(), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				_ = c.AddWorkingHours(ts[i%len(ts)], d)
				i++
			}
		})
	}
}

func BenchmarkWorkingDuration(b *testing.B) {
	c := Default()
	ts := benchTimes(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		from := ts[i%len(ts)]
		_ = c.WorkingDuration(from, from.Add(9*24*time.Hour))
		i++
	}
}

func BenchmarkLevel(b *testing.B) {
	c := Default()
	ts := benchTimes(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		from := ts[i%len(ts)]
		_ = c.Level(from, c.AddWorkingDays(from, 5), from.Add(72*time.Hour))
		i++
	}
}
