package calendar

import (
	"fmt"
	"sync"
	"time"

	// Deployments are often bare machines or scratch containers without
	// /usr/share/zoneinfo; deadlines must not silently fall back to UTC.
	_ "time/tzdata"
)

// location is loaded once; with tzdata embedded the load cannot fail, but a
// fixed +08:00 zone keeps the package usable (and panic-free) if it ever did.
// China has kept UTC+8 without daylight saving since 1991.
var location = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*60*60)
	}
	return loc
})

// Location is Asia/Shanghai, the zone every calendar computation uses.
func Location() *time.Location { return location() }

// Date is a civil date on the calendar, without a time or a zone. It is
// comparable and marshals as YYYY-MM-DD.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the date, normalising out-of-range months and days the way
// time.Date does (2026-02-30 becomes 2026-03-02).
func NewDate(year int, month time.Month, day int) Date {
	return dateOfDay(daysFromCivil(year, month, day))
}

// DateOf is the date of t in Asia/Shanghai.
func DateOf(t time.Time) Date {
	y, m, d := t.In(Location()).Date()
	return Date{y, m, d}
}

// ParseDate accepts YYYY-MM-DD (years 0001–9999).
func ParseDate(s string) (Date, error) {
	d, err := parseDate("date", s)
	if err != nil {
		return Date{}, err
	}
	return d, nil
}

func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// IsZero reports whether d is the zero Date (no date set).
func (d Date) IsZero() bool { return d == Date{} }

// Start is 00:00 of the date in Asia/Shanghai.
func (d Date) Start() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, Location())
}

// Weekday of the date.
func (d Date) Weekday() time.Weekday { return weekdayOf(d.day()) }

// AddDays moves by calendar (not working) days.
func (d Date) AddDays(n int) Date { return dateOfDay(d.day() + int64(n)) }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	a, b := d.day(), e.day()
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// day is the number of days since 1970-01-01: the index the calendar tables
// and arithmetic use, so that walking days never allocates or touches zones.
func (d Date) day() int64 { return daysFromCivil(d.Year, d.Month, d.Day) }

func dateOfDay(z int64) Date {
	y, m, d := civilFromDays(z)
	return Date{int(y), m, d}
}

// daysFromCivil and civilFromDays are Howard Hinnant's proleptic Gregorian
// algorithms; they are exact for any int64-representable year, and the
// month/day normalisation in daysFromCivil keeps invalid input harmless.
func daysFromCivil(year int, month time.Month, day int) int64 {
	y := int64(year)
	m := int64(month)
	if m < 1 || m > 12 {
		// Normalise like time.Date: month 13 is January of the next year.
		m--
		y += floorDiv(m, 12)
		m = m - 12*floorDiv(m, 12) + 1
	}
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + int64(day) - 1 // days outside the month just spill over
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func civilFromDays(z int64) (year int64, month time.Month, day int) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if mp >= 10 {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, time.Month(m), int(d)
}

// weekdayOf: day 0 (1970-01-01) was a Thursday.
func weekdayOf(z int64) time.Weekday { return time.Weekday(floorMod(z+4, 7)) }

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - b*floorDiv(a, b) }

func daysInMonth(year int, month time.Month) int {
	return int(daysFromCivil(year, month+1, 1) - daysFromCivil(year, month, 1))
}
