package calendar_test

import (
	"fmt"
	"time"

	"yingshang/internal/calendar"
)

// Five working days from the eve of National Day 2025: the eight-day break
// does not count, the make-up Saturday does.
func ExampleCalendar_AddWorkingDays() {
	cal := calendar.Default()
	from, _ := calendar.ParseFrom("2025-09-30T15:00")
	fmt.Println(cal.AddWorkingDays(from, 5).Format("2006-01-02 15:04 Mon"))
	// Output: 2025-10-14 17:30 Tue
}

// An urgent claim within 2 working hours, filed late on a Friday.
func ExampleCalendar_AddWorkingHours() {
	cal := calendar.Default()
	from, _ := calendar.ParseFrom("2024-03-08T17:00")
	fmt.Println(cal.AddWorkingHours(from, 2*time.Hour).Format("2006-01-02 15:04 Mon"))
	// Output: 2024-03-11 10:30 Mon
}

func ExampleCalendar_Days() {
	cal := calendar.Default()
	for _, d := range cal.Days(2026) {
		if d.Kind == calendar.KindMakeup {
			fmt.Println(d.Date, d.Date.Weekday(), d.Name)
		}
	}
	// Output:
	// 2026-01-04 Sunday 元旦节
	// 2026-02-14 Saturday 春节
	// 2026-02-28 Saturday 春节
	// 2026-05-09 Saturday 劳动节
	// 2026-09-20 Sunday 国庆节
	// 2026-10-10 Saturday 国庆节
}

// An admin enters next year's notice before the library has it.
func ExampleCalendar_SetOverrides() {
	cal := calendar.Default()
	d := calendar.Date{Year: 2028, Month: time.January, Day: 29} // a Saturday
	fmt.Println(cal.DayInfo(d).Kind)
	_ = cal.SetOverrides([]calendar.Override{{Date: d, Kind: calendar.OverrideWorkday, Name: "春节"}})
	info := cal.DayInfo(d)
	fmt.Println(info.Kind, info.Source, info.Working)
	// Output:
	// weekend
	// makeup override true
}

func ExampleValidateWorkingDays() {
	err := calendar.ValidateWorkingDays(400)
	fmt.Println(err)
	// Output: working_days: must be between 0 and 365, got 400
}
