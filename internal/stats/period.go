package stats

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"yingshang/internal/apperr"
	"yingshang/internal/calendar"
)

// Day is a Shanghai day number: days since 1970-01-01 in Asia/Shanghai. The database
// computes it as (unix ms + 8 h) / 86,400,000 (integer division), which is the same
// number on both engines; Asia/Shanghai has been UTC+8 without daylight saving since 1991.
type Day int64

const (
	dayMs    = int64(24 * time.Hour / time.Millisecond)
	offsetMs = int64(8 * time.Hour / time.Millisecond)
)

// DayOf is the Shanghai day of instant t.
func DayOf(t time.Time) Day { return Day((t.UnixMilli() + offsetMs) / dayMs) }

// DayOfDate is the day of a civil date.
func DayOfDate(y int, m time.Month, d int) Day {
	return DayOf(time.Date(y, m, d, 0, 0, 0, 0, calendar.Location()))
}

// Start is the first instant of the day, in Shanghai.
func (d Day) Start() time.Time {
	return time.UnixMilli(int64(d)*dayMs - offsetMs).In(calendar.Location())
}

// StartMs is the first instant of the day in unix milliseconds.
func (d Day) StartMs() int64 { return int64(d)*dayMs - offsetMs }

// civil is the day's calendar date (a UTC time at midnight: the day number counts
// Shanghai days, so its date is read without a zone).
func (d Day) civil() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// MonthStart is the first day of the day's month (the key of stats_dept_month).
func (d Day) MonthStart() Day { return d - Day(d.civil().Day()-1) }

// NextMonth is the first day of the month after the day's.
func (d Day) NextMonth() Day {
	return Day(d.MonthStart().civil().AddDate(0, 1, 0).Unix() / 86400)
}

// String is YYYY-MM-DD.
func (d Day) String() string { return d.Start().Format("2006-01-02") }

// Week is the Monday that starts the day's week.
func (d Day) Week() Day {
	// 1970-01-01 was a Thursday: day 0 is weekday 3 counting Monday as 0.
	return d - Day((int64(d)+3)%7)
}

// Period is a range of Shanghai days, both ends included.
type Period struct {
	From, To Day
	// Name is how the period was asked for ("2025", "2025-Q3", "2025-07", "custom").
	Name string
}

// Days is the number of days in the period.
func (p Period) Days() int { return int(p.To-p.From) + 1 }

// Bounds are the instants [from, to) of the period in unix milliseconds.
func (p Period) Bounds() (int64, int64) { return p.From.StartMs(), (p.To + 1).StartMs() }

// Query is the period as URL parameters (from, to).
func (p Period) Query() string { return "from=" + p.From.String() + "&to=" + p.To.String() }

// MaxPeriodDays bounds a custom range (about three years).
const MaxPeriodDays = 1100

var (
	yearRE    = regexp.MustCompile(`^(\d{4})$`)
	quarterRE = regexp.MustCompile(`^(\d{4})-[Qq]([1-4])$`)
	monthRE   = regexp.MustCompile(`^(\d{4})-(\d{2})$`)
)

// ParseDate reads YYYY-MM-DD as a Shanghai day.
func ParseDate(s string) (Day, bool) {
	t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(s), calendar.Location())
	if err != nil || t.Year() < 2000 || t.Year() > 2100 {
		return 0, false
	}
	return DayOf(t), true
}

// ParsePeriod reads a period: name is "month", "quarter" or "year" (the current one as of
// now), "2025", "2025-Q3", "2025-07" or "custom"; from and to (YYYY-MM-DD) make a custom
// range and win over name when given. Empty everything means the current month. Errors
// are field errors on "period", "from" or "to".
func ParsePeriod(name, from, to string, now time.Time) (Period, error) {
	name, from, to = strings.TrimSpace(name), strings.TrimSpace(from), strings.TrimSpace(to)
	now = now.In(calendar.Location())
	if from != "" || to != "" {
		var v apperr.Validation
		f, okF := ParseDate(from)
		t, okT := ParseDate(to)
		if !okF {
			v.Add("from", "stats.error.date")
		}
		if !okT {
			v.Add("to", "stats.error.date")
		}
		if okF && okT {
			switch {
			case t < f:
				v.Add("to", "stats.error.range_order")
			case int(t-f)+1 > MaxPeriodDays:
				v.Add("to", "stats.error.range_long", "Max", MaxPeriodDays)
			}
		}
		if err := v.Err(); err != nil {
			return Period{}, err
		}
		return Period{From: f, To: t, Name: "custom"}, nil
	}
	y, m := now.Year(), now.Month()
	switch {
	case name == "" || name == "month":
		return monthPeriod(y, m, "month"), nil
	case name == "quarter":
		q := (int(m)-1)/3 + 1
		return quarterPeriod(y, q, "quarter"), nil
	case name == "year":
		return yearPeriod(y, "year"), nil
	}
	if g := yearRE.FindStringSubmatch(name); g != nil {
		y, _ := strconv.Atoi(g[1])
		if y >= 2000 && y <= 2100 {
			return yearPeriod(y, name), nil
		}
	}
	if g := quarterRE.FindStringSubmatch(name); g != nil {
		y, _ := strconv.Atoi(g[1])
		q, _ := strconv.Atoi(g[2])
		if y >= 2000 && y <= 2100 {
			return quarterPeriod(y, q, strings.ToUpper(name)), nil
		}
	}
	if g := monthRE.FindStringSubmatch(name); g != nil {
		y, _ := strconv.Atoi(g[1])
		m, _ := strconv.Atoi(g[2])
		if y >= 2000 && y <= 2100 && m >= 1 && m <= 12 {
			return monthPeriod(y, time.Month(m), name), nil
		}
	}
	return Period{}, apperr.Invalid("period", "stats.error.period")
}

func monthPeriod(y int, m time.Month, name string) Period {
	f := DayOfDate(y, m, 1)
	return Period{From: f, To: DayOfDate(y, m+1, 1) - 1, Name: name}
}

func quarterPeriod(y, q int, name string) Period {
	m := time.Month(3*(q-1) + 1)
	return Period{From: DayOfDate(y, m, 1), To: DayOfDate(y, m+3, 1) - 1, Name: name}
}

func yearPeriod(y int, name string) Period {
	return Period{From: DayOfDate(y, 1, 1), To: DayOfDate(y+1, 1, 1) - 1, Name: name}
}

// Label is the period for people: 2025年7月 / 2025年第3季度 / 2025年 / 2025-07-01 至 2025-07-31.
func (p Period) Label(lang string) string {
	f, t := p.From.Start(), p.To.Start()
	sameMonth := f.Day() == 1 && t.AddDate(0, 0, 1).Day() == 1 && f.Year() == t.Year() && f.Month() == t.Month()
	quarter := f.Day() == 1 && (f.Month()-1)%3 == 0 && t.AddDate(0, 0, 1).Day() == 1 && f.Year() == t.Year() && t.Month() == f.Month()+2
	year := f.YearDay() == 1 && t.AddDate(0, 0, 1).YearDay() == 1 && f.Year() == t.Year()
	switch {
	case lang == "en" && sameMonth:
		return f.Format("January 2006")
	case lang == "en" && quarter:
		return fmt.Sprintf("Q%d %d", (f.Month()-1)/3+1, f.Year())
	case lang == "en" && year:
		return strconv.Itoa(f.Year())
	case lang == "en":
		return p.From.String() + " to " + p.To.String()
	case sameMonth:
		return fmt.Sprintf("%d年%d月", f.Year(), f.Month())
	case quarter:
		return fmt.Sprintf("%d年第%d季度", f.Year(), (f.Month()-1)/3+1)
	case year:
		return fmt.Sprintf("%d年", f.Year())
	}
	return p.From.String() + " 至 " + p.To.String()
}
