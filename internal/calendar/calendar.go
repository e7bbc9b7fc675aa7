package calendar

import (
	"fmt"
	"slices"
	"sync/atomic"
	"time"
)

// OverrideKind says what an override makes of its day.
type OverrideKind string

const (
	OverrideWorkday OverrideKind = "workday"
	OverrideHoliday OverrideKind = "holiday"
)

// Override is an admin's correction of the statutory calendar: next year's
// State Council notice before lunar-go has it, or a local day off.
type Override struct {
	Date Date         `json:"date"`
	Kind OverrideKind `json:"kind"`
	Name string       `json:"name,omitempty"`
}

// Override dates are limited so that the per-day table stays small; no real
// override falls outside these years.
const (
	overrideMinYear = 1900
	overrideMaxYear = 2199
)

// DayKind classifies a day for display.
type DayKind string

const (
	KindWorkday DayKind = "workday" // an ordinary Monday–Friday (or an override workday on one)
	KindWeekend DayKind = "weekend" // an ordinary Saturday or Sunday
	KindHoliday DayKind = "holiday" // a statutory or override day off
	KindMakeup  DayKind = "makeup"  // a Saturday or Sunday made a working day (调休)
)

// Source says which rule decided a day.
type Source string

const (
	SourceStatutory Source = "statutory"
	SourceOverride  Source = "override"
	SourceWeekday   Source = "weekday"
)

// DayInfo describes one day of the calendar.
type DayInfo struct {
	Date    Date    `json:"date"`
	Working bool    `json:"working"`
	Kind    DayKind `json:"kind"`
	Name    string  `json:"name,omitempty"`
	Source  Source  `json:"source"`
}

// Config builds a Calendar. The zero Config is valid: default office hours,
// statutory data only.
type Config struct {
	OfficeHours OfficeHours
	Overrides   []Override
}

// Calendar answers working-time questions. It is safe for concurrent use:
// the day tables live in an immutable snapshot behind an atomic pointer, so
// SetOverrides swaps them without locks and every call sees one consistent set.
// Build one with New or Default; the zero Calendar is not usable.
type Calendar struct {
	hours OfficeHours
	snap  atomic.Pointer[snapshot]
}

// New builds a Calendar; it fails only on invalid overrides.
func New(cfg Config) (*Calendar, error) {
	c := &Calendar{hours: cfg.OfficeHours}
	if c.hours.IsZero() {
		c.hours = DefaultOfficeHours()
	}
	if err := c.SetOverrides(cfg.Overrides); err != nil {
		return nil, err
	}
	return c, nil
}

// Default is the statutory calendar with default office hours and no overrides.
func Default() *Calendar {
	c, _ := New(Config{})
	return c
}

// SetOverrides replaces the whole override set atomically (the store calls it
// after an admin edit). On error the previous set stays in force.
func (c *Calendar) SetOverrides(overrides []Override) error {
	s, err := buildSnapshot(overrides)
	if err != nil {
		return err
	}
	c.snap.Store(s)
	return nil
}

// Overrides returns a copy of the override set in force, sorted by date.
func (c *Calendar) Overrides() []Override { return slices.Clone(c.snap.Load().overrides) }

// OfficeHours in force.
func (c *Calendar) OfficeHours() OfficeHours { return c.hours }

// IsWorkingDay applies the rule: override, else statutory data, else Mon–Fri.
func (c *Calendar) IsWorkingDay(d Date) bool { return c.snap.Load().isWorking(d.day()) }

// DayInfo describes the date and which rule decided it. An out-of-range
// date (2025-02-30) is normalised like time.Date (2025-03-02).
func (c *Calendar) DayInfo(d Date) DayInfo { return c.snap.Load().info(d.day()) }

// Days lists the holidays, make-up days and overridden days of a year in date
// order: the list an operator checks against the State Council notice.
func (c *Calendar) Days(year int) []DayInfo {
	s := c.snap.Load()
	out := []DayInfo{}
	from, to := daysFromCivil(year, 1, 1), daysFromCivil(year+1, 1, 1)
	// Only the table can hold non-weekday days; skip straight to it.
	from, to = max(from, s.lo), min(to, s.lo+int64(len(s.table)))
	for z := from; z < to; z++ {
		if s.table[z-s.lo] != classNone {
			out = append(out, s.info(z))
		}
	}
	return out
}

// Day classes in the snapshot table; classNone means "weekday rule".
const (
	classNone uint8 = iota
	classStatutoryHoliday
	classStatutoryWork
	classOverrideHoliday
	classOverrideWork
)

// snapshot is an immutable view of the calendar: a dense per-day table over
// the span of statutory data and overrides, and running sums that turn
// "working days between two dates" into two lookups.
type snapshot struct {
	lo    int64   // day index of table[0]
	table []uint8 // class per day from lo
	// cumAdj[i] is, over table[0:i], (working days) - (Mon–Fri days): how
	// far the special days move the weekday count. len(cumAdj) == len(table)+1.
	cumAdj    []int32
	names     map[int64]string
	overrides []Override
}

func buildSnapshot(overrides []Override) (*snapshot, error) {
	stat := statutory()
	ov := slices.Clone(overrides)
	seen := make(map[Date]bool, len(ov))
	for i, o := range ov {
		field := fmt.Sprintf("overrides[%d]", i)
		if o.Date.Year < overrideMinYear || o.Date.Year > overrideMaxYear ||
			o.Date.Month < 1 || o.Date.Month > 12 || o.Date.Day < 1 || o.Date.Day > daysInMonth(o.Date.Year, o.Date.Month) {
			return nil, &FieldError{Field: field + ".date", Code: CodeDate,
				Reason: fmt.Sprintf("%s is not a date between %d and %d", o.Date, overrideMinYear, overrideMaxYear)}
		}
		if o.Kind != OverrideWorkday && o.Kind != OverrideHoliday {
			return nil, &FieldError{Field: field + ".kind", Code: CodeFormat,
				Reason: fmt.Sprintf("%q must be %q or %q", o.Kind, OverrideWorkday, OverrideHoliday)}
		}
		if seen[o.Date] {
			return nil, &FieldError{Field: field + ".date", Code: CodeRange,
				Reason: fmt.Sprintf("%s has more than one override", o.Date)}
		}
		seen[o.Date] = true
	}
	slices.SortFunc(ov, func(a, b Override) int { return a.Date.Compare(b.Date) })

	s := &snapshot{names: make(map[int64]string, len(stat)+len(ov)), overrides: ov}
	lo, hi := int64(0), int64(0) // [lo, hi)
	span := func(z int64) {
		if lo == hi {
			lo, hi = z, z+1
			return
		}
		lo, hi = min(lo, z), max(hi, z+1)
	}
	for _, d := range stat {
		span(d.day)
	}
	for _, o := range ov {
		span(o.Date.day())
	}
	s.lo = lo
	s.table = make([]uint8, hi-lo)
	for _, d := range stat {
		s.table[d.day-lo] = classStatutoryHoliday
		if d.work {
			s.table[d.day-lo] = classStatutoryWork
		}
		s.names[d.day] = d.name
	}
	for _, o := range ov {
		z := o.Date.day()
		s.table[z-lo] = classOverrideHoliday
		if o.Kind == OverrideWorkday {
			s.table[z-lo] = classOverrideWork
		}
		// An override's own name only: an unnamed override on a statutory
		// day must not keep showing the name of the rule it cancels.
		s.names[z] = o.Name
	}
	s.cumAdj = make([]int32, len(s.table)+1)
	for i, cl := range s.table {
		adj := int32(0)
		if cl != classNone {
			z := lo + int64(i)
			if w, wd := s.isWorking(z), isWeekday(z); w && !wd {
				adj = 1
			} else if !w && wd {
				adj = -1
			}
		}
		s.cumAdj[i+1] = s.cumAdj[i] + adj
	}
	return s, nil
}

func isWeekday(z int64) bool {
	wd := weekdayOf(z)
	return wd != time.Saturday && wd != time.Sunday
}

func (s *snapshot) class(z int64) uint8 {
	if i := z - s.lo; i >= 0 && i < int64(len(s.table)) {
		return s.table[i]
	}
	return classNone
}

func (s *snapshot) isWorking(z int64) bool {
	switch s.class(z) {
	case classStatutoryWork, classOverrideWork:
		return true
	case classStatutoryHoliday, classOverrideHoliday:
		return false
	}
	return isWeekday(z)
}

func (s *snapshot) info(z int64) DayInfo {
	di := DayInfo{Date: dateOfDay(z), Working: s.isWorking(z), Name: s.names[z]}
	switch cl := s.class(z); cl {
	case classNone:
		di.Source = SourceWeekday
	case classStatutoryHoliday, classStatutoryWork:
		di.Source = SourceStatutory
	default:
		di.Source = SourceOverride
	}
	switch {
	case !di.Working && di.Source == SourceWeekday:
		di.Kind = KindWeekend
	case !di.Working:
		di.Kind = KindHoliday
	case isWeekday(z):
		di.Kind = KindWorkday
	default:
		di.Kind = KindMakeup
	}
	return di
}

// weekdaysBefore counts Mon–Fri days in [0, z) (negated for z < 0).
func weekdaysBefore(z int64) int64 {
	// Prefix counts over a week that starts on day 0, a Thursday:
	// Thu Fri Sat Sun Mon Tue Wed.
	prefix := [7]int64{0, 1, 2, 2, 2, 3, 4}
	w := floorDiv(z, 7)
	return 5*w + prefix[z-7*w]
}

// workingBefore counts working days in [0, z) (negated for z < 0), so that
// workingBefore(b) - workingBefore(a) is the number of working days in [a, b).
func (s *snapshot) workingBefore(z int64) int64 {
	i := z - s.lo
	var adj int32
	switch {
	case i <= 0:
	case i >= int64(len(s.table)):
		adj = s.cumAdj[len(s.table)]
	default:
		adj = s.cumAdj[i]
	}
	return weekdaysBefore(z) + int64(adj)
}
