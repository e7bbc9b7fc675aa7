package stats_test

import (
	"context"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"yingshang/internal/calendar"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
	"yingshang/internal/stats"
)

// Every day from 1992 to 2100 (Shanghai has kept +08:00 without daylight saving since 1991) knows its month's first day and the next month's, as the
// calendar in Shanghai says.
func TestDayMonths(t *testing.T) {
	loc := calendar.Location()
	for d := stats.DayOfDate(1992, 1, 1); d <= stats.DayOfDate(2100, 12, 31); d++ {
		c := d.Start()
		first := stats.DayOf(time.Date(c.Year(), c.Month(), 1, 0, 0, 0, 0, loc))
		next := stats.DayOf(time.Date(c.Year(), c.Month()+1, 1, 0, 0, 0, 0, loc))
		if d.MonthStart() != first || d.NextMonth() != next {
			t.Fatalf("%s: month %s next %s, want %s and %s", d, d.MonthStart(), d.NextMonth(), first, next)
		}
	}
}

// Migration 00015 sums a deployment's existing department days into months in SQL (the
// calendar in integer arithmetic): its rows equal the Go sums of the same days, over
// days spread from 1990 to 2100 (leap years, 2000 and 2100 included).
func TestMonthMigrationSumsTheDays(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.RollBack(ctx, 15); err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(15, 1))
		want := map[monthKey][9]int64{}
		lo, hi := stats.DayOfDate(1990, 1, 1), stats.DayOfDate(2100, 12, 31)
		days := []stats.Day{lo, hi, stats.DayOfDate(2000, 2, 29), stats.DayOfDate(2000, 3, 1), stats.DayOfDate(2100, 2, 28),
			stats.DayOfDate(2100, 3, 1), stats.DayOfDate(2024, 12, 31), stats.DayOfDate(2025, 1, 1)}
		for len(days) < 400 {
			days = append(days, lo+stats.Day(rng.IntN(int(hi-lo)+1)))
		}
		seen := map[[2]int64]bool{}
		for _, day := range days {
			for _, org := range []int64{7, 9} {
				if seen[[2]int64{int64(day), org}] {
					continue
				}
				seen[[2]int64{int64(day), org}] = true
				var v [9]int64
				for i := range v {
					v[i] = rng.Int64N(1000)
				}
				if _, err := d.W.ExecContext(ctx, `INSERT INTO stats_dept_day (day, org_id, kind, dispatched, claimed_on_time, answered,
						answered_on_time, handling_ms, redone, called_back, solved, satisfied) VALUES ($1, $2, 'appeal', $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
					int64(day), org, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]); err != nil {
					t.Fatal(err)
				}
				k := monthKey{int64(day.MonthStart()), org, "appeal"}
				w := want[k]
				for i := range v {
					w[i] += v[i]
				}
				want[k] = w
			}
		}
		if _, err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if got := monthRows(t, d); !reflect.DeepEqual(got, want) {
			t.Fatalf("%d month rows after the migration, want %d", len(got), len(want))
		}
	})
}

type monthKey struct {
	month, org int64
	kind       string
}

func monthRows(t *testing.T, d *db.DB) map[monthKey][9]int64 {
	t.Helper()
	rows, err := d.R.Query(`SELECT month, org_id, kind, dispatched, claimed_on_time, answered, answered_on_time, handling_ms, redone,
		called_back, solved, satisfied FROM stats_dept_month`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[monthKey][9]int64{}
	for rows.Next() {
		var m, org int64
		var kind string
		var v [9]int64
		if err := rows.Scan(&m, &org, &kind, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]); err != nil {
			t.Fatal(err)
		}
		out[monthKey{m, org, kind}] = v
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
