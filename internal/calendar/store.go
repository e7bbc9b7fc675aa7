package calendar

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/db"
)

// Store keeps the admins' overrides in the database and the Calendar in step with them.
// Several processes share one database: each reloads when the overrides' version (a row
// of the counters table) moves, checked by Refresh.
type Store struct {
	db    *db.DB
	audit *audit.Log
	cal   *Calendar
	clock Clock

	mu      sync.Mutex
	version int64
}

const versionCounter = "calendar.overrides"

// NewStore returns a store that keeps cal up to date.
func NewStore(d *db.DB, a *audit.Log, cal *Calendar, clock Clock) *Store {
	if clock == nil {
		clock = RealClock{}
	}
	return &Store{db: d, audit: a, cal: cal, clock: clock, version: -1}
}

// Calendar is the live calendar.
func (s *Store) Calendar() *Calendar { return s.cal }

// Refresh reloads the overrides when another process (or this one) changed them.
func (s *Store) Refresh(ctx context.Context) error {
	var v int64
	err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT value FROM counters WHERE name = $1`, versionCounter).Scan(&v)
	if err != nil && !db.IsNoRows(err) {
		return fmt.Errorf("calendar: version: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if v == s.version {
		return nil
	}
	list, err := s.list(ctx)
	if err != nil {
		return err
	}
	if err := s.cal.SetOverrides(list); err != nil {
		return fmt.Errorf("calendar: stored overrides are invalid: %w", err)
	}
	s.version = v
	return nil
}

func (s *Store) list(ctx context.Context) ([]Override, error) {
	rows, err := s.db.RQ(ctx).QueryContext(ctx, `SELECT day, kind, name FROM calendar_overrides ORDER BY day`)
	if err != nil {
		return nil, fmt.Errorf("calendar: overrides: %w", err)
	}
	defer rows.Close()
	var out []Override
	for rows.Next() {
		var day, kind, name string
		if err := rows.Scan(&day, &kind, &name); err != nil {
			return nil, err
		}
		d, err := ParseDate(day)
		if err != nil {
			return nil, fmt.Errorf("calendar: stored day %q: %w", day, err)
		}
		out = append(out, Override{Date: d, Kind: OverrideKind(kind), Name: name})
	}
	return out, rows.Err()
}

// canEdit: the system administrator keeps the calendar (product.md: admin sees settings,
// calendar).
func canEdit(a auth.Actor) bool { return a.IsSystem() || a.Can(auth.PermSettingsManage) }

// Overrides lists the overrides (everyone signed in may read the calendar).
func (s *Store) Overrides(ctx context.Context, a auth.Actor) ([]Override, error) {
	if !a.Authenticated() {
		return nil, apperr.Forbidden()
	}
	return s.list(ctx)
}

// OverrideInput is an override as a form or the API sends it.
type OverrideInput struct {
	Date string
	Kind string
	Name string
}

// PutOverride adds or replaces the override of a day.
func (s *Store) PutOverride(ctx context.Context, a auth.Actor, in OverrideInput) (Override, error) {
	if !canEdit(a) {
		return Override{}, apperr.Forbidden()
	}
	var v apperr.Validation
	d, err := ParseDate(strings.TrimSpace(in.Date))
	if err != nil {
		v.Add("date", "error.date")
	} else if d.Year < overrideMinYear || d.Year > overrideMaxYear {
		v.Add("date", "error.range", "Min", overrideMinYear, "Max", overrideMaxYear)
	}
	kind := OverrideKind(in.Kind)
	if kind != OverrideWorkday && kind != OverrideHoliday {
		v.Add("kind", "error.choice")
	}
	name := strings.TrimSpace(in.Name)
	if utf8.RuneCountInString(name) > 40 {
		v.Add("name", "error.too_long", "Max", 40)
	}
	if err := v.Err(); err != nil {
		return Override{}, err
	}
	o := Override{Date: d, Kind: kind, Name: name}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		q := s.db.Q(ctx)
		var before any
		var oldKind, oldName string
		if err := q.QueryRowContext(ctx, `SELECT kind, name FROM calendar_overrides WHERE day = $1`, d.String()).Scan(&oldKind, &oldName); err == nil {
			before = map[string]string{"kind": oldKind, "name": oldName}
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO calendar_overrides (day, kind, name, created_at, created_by) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name, created_at = excluded.created_at, created_by = excluded.created_by`,
			d.String(), string(kind), name, db.Millis(s.clock.Now()), nullID(a.UserID)); err != nil {
			return fmt.Errorf("calendar: put override: %w", err)
		}
		if err := s.bump(ctx); err != nil {
			return err
		}
		return s.audit.Record(ctx, a, "calendar.override_put", "calendar_override", d.String(), audit.Change{Before: before, After: o})
	})
	if err != nil {
		return Override{}, err
	}
	return o, s.Refresh(ctx)
}

// DeleteOverride removes the override of a day, if any.
func (s *Store) DeleteOverride(ctx context.Context, a auth.Actor, date string) error {
	if !canEdit(a) {
		return apperr.Forbidden()
	}
	d, err := ParseDate(strings.TrimSpace(date))
	if err != nil {
		return apperr.NotFound("calendar_override")
	}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		res, err := s.db.Q(ctx).ExecContext(ctx, `DELETE FROM calendar_overrides WHERE day = $1`, d.String())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("calendar_override")
		}
		if err := s.bump(ctx); err != nil {
			return err
		}
		return s.audit.Record(ctx, a, "calendar.override_delete", "calendar_override", d.String(), nil)
	})
	if err != nil {
		return err
	}
	return s.Refresh(ctx)
}

func (s *Store) bump(ctx context.Context) error {
	_, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO counters (name, value) VALUES ($1, 1)
		ON CONFLICT (name) DO UPDATE SET value = counters.value + 1`, versionCounter)
	return err
}

// Deadline answers "when is it due?" for the calendar page and the API: from plus n
// working days, or plus h working hours. Field errors name working_days, working_hours or
// from.
func (s *Store) Deadline(from string, days, hours string) (time.Time, time.Time, error) {
	start, err := ParseFrom(strings.TrimSpace(from))
	if err != nil {
		return time.Time{}, time.Time{}, fieldErr(err)
	}
	days, hours = strings.TrimSpace(days), strings.TrimSpace(hours)
	switch {
	case days != "" && hours != "":
		return time.Time{}, time.Time{}, apperr.Invalid("working_hours", "calendar.one_of")
	case days != "":
		n, err := strconv.Atoi(days)
		if err != nil {
			return time.Time{}, time.Time{}, apperr.Invalid("working_days", "error.number")
		}
		if err := ValidateWorkingDays(n); err != nil {
			return time.Time{}, time.Time{}, fieldErr(err)
		}
		return start, s.cal.AddWorkingDays(start, n), nil
	case hours != "":
		h, err := strconv.ParseFloat(hours, 64)
		if err != nil {
			return time.Time{}, time.Time{}, apperr.Invalid("working_hours", "error.number")
		}
		d, err := WorkingHours(h)
		if err != nil {
			return time.Time{}, time.Time{}, fieldErr(err)
		}
		return start, s.cal.AddWorkingHours(start, d), nil
	}
	return time.Time{}, time.Time{}, apperr.Invalid("working_days", "calendar.one_of")
}

// fieldErr turns the calendar's own field errors into the application's.
func fieldErr(err error) error {
	if fe, ok := err.(*FieldError); ok {
		switch fe.Code {
		case CodeRange:
			if fe.Field == "working_hours" {
				return apperr.Invalid(fe.Field, "error.range", "Min", 0, "Max", MaxWorkingHours)
			}
			if fe.Field == "working_days" {
				return apperr.Invalid(fe.Field, "error.range", "Min", 0, "Max", MaxWorkingDays)
			}
			return apperr.Invalid(fe.Field, "calendar.from_format")
		case CodeRequired:
			return apperr.Invalid(fe.Field, "error.required")
		default:
			return apperr.Invalid(fe.Field, "calendar.from_format")
		}
	}
	return apperr.Invalid("from", "calendar.from_format")
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
