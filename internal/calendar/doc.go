// Package calendar computes working time on the Chinese statutory calendar:
// the deadlines, SLA colours and handling times of appeals.
//
// A day is a working day if an admin Override says so; otherwise if the State
// Council arrangement (bundled from github.com/6tail/lunar-go, 2002–2027; see
// StatutoryRange) makes it a make-up working day 调休 (working) or a holiday
// (off); otherwise Monday to Friday work and Saturday and Sunday are off.
// Years without statutory data follow the weekday rule plus overrides.
//
// Conventions, chosen to match how Chinese government hotlines count:
//
//   - Everything is computed in Asia/Shanghai (tzdata embedded); results are
//     returned in that location whatever the location of the input.
//   - Office hours default to 09:00–12:00 and 13:30–17:30 (7 hours a day).
//   - N working days (N个工作日): the deadline is the end of office hours
//     (17:30) of the N-th working day after the day of the start. The day of
//     the start never counts, whatever the hour: filed Monday 08:00 or 23:00,
//     1 working day is due Tuesday 17:30. 0 working days is due at the first
//     closing at or after the start (so a deadline is never before its start).
//   - N working hours: only office time on working days counts; the deadline
//     is the earliest instant at which N hours of it have elapsed (filed Friday
//     17:00, 2 working hours are due Monday 10:30; filed at 20:00, the count
//     starts at the next opening).
//   - Progress and the SLA colours measure working time: yellow from 80% of
//     the working time between start and due, red once the due instant has
//     passed in real time.
//   - Pausing (waiting for the enterprise): the caller stores the four fields
//     of an SLA. Pause freezes the clock; Resume moves Due later by the
//     working time the pause lasted and records it in Paused, so Due is always
//     the real expiry and progress still measures the original budget.
//   - A bare date given to ParseFrom means 00:00 of that day. API limits are
//     0–365 working days and 0–2000 working hours; violations are FieldErrors.
//   - Nothing here reads the system time: callers pass instants, taken from a
//     Clock (RealClock in production, TestClock in tests).
//
// A Calendar is safe for concurrent use; SetOverrides swaps the override set
// atomically. Day lookups are table-driven and allocation-free, so computing
// deadlines for millions of appeals is cheap.
package calendar
