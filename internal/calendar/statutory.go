package calendar

import (
	"slices"
	"sync"

	"github.com/6tail/lunar-go/HolidayUtil"
)

// statutoryDay is one day of a State Council holiday arrangement: a day off
// (work == false) or a make-up working day 调休 (work == true).
type statutoryDay struct {
	day  int64
	work bool
	name string
}

// Years scanned in lunar-go. Its data starts at 2001-12-29 (the make-up day
// for New Year 2002) and ends with the latest published notice; scanning a
// wide range picks up a newer lunar-go release without a code change.
const (
	statutoryScanFrom = 2000
	statutoryScanTo   = 2100
)

// statutory reads lunar-go once. Its lookups scan a 30 kB string per call and
// it exposes a global Fix() that mutates that string; copying the data out
// once makes our tables immune to both. (Nothing in this project calls Fix:
// local changes go through Overrides.)
var statutory = sync.OnceValue(func() []statutoryDay {
	var out []statutoryDay
	for y := statutoryScanFrom; y <= statutoryScanTo; y++ {
		l := HolidayUtil.GetHolidaysByYear(y)
		for e := l.Front(); e != nil; e = e.Next() {
			h, ok := e.Value.(*HolidayUtil.Holiday)
			if !ok || h == nil {
				continue
			}
			d, err := parseDate("day", h.GetDay())
			if err != nil {
				continue
			}
			out = append(out, statutoryDay{day: d.day(), work: h.IsWork(), name: h.GetName()})
		}
	}
	slices.SortFunc(out, func(a, b statutoryDay) int {
		switch {
		case a.day < b.day:
			return -1
		case a.day > b.day:
			return 1
		}
		return 0
	})
	return slices.CompactFunc(out, func(a, b statutoryDay) bool { return a.day == b.day })
})

// StatutoryRange is the first and last date of the bundled State Council
// data (2001-12-29 … 2027-10-09 with lunar-go v1.4.7). After the last date
// only weekends and Overrides apply: an admin must enter each new year's
// notice as overrides until the dependency is upgraded.
func StatutoryRange() (first, last Date) {
	s := statutory()
	if len(s) == 0 {
		return Date{}, Date{}
	}
	return dateOfDay(s[0].day), dateOfDay(s[len(s)-1].day)
}
