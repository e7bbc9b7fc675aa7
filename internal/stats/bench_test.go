package stats_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/calendar"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
	"yingshang/internal/stats"
)

// benchAppeals is the size of the filled history: YINGSHANG_BENCH_APPEALS (default
// 100,000). The history is written straight into the appeal tables (a year, 60
// departments, a lead part per appeal and a co-handler for one in seven, callbacks for
// nine in ten) — GenerateHistory's ~450 appeals/s would take an hour for a million.
func benchAppeals() int {
	if n, err := strconv.Atoi(os.Getenv("YINGSHANG_BENCH_APPEALS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

const benchDepts = 60

var benchBase = time.Date(2025, 1, 1, 0, 0, 0, 0, calendar.Location()).UnixMilli()

// fill writes n appeals with their parts and callbacks in a few INSERT … SELECT
// statements over a recursive counter (the same SQL on both engines).
func fill(b *testing.B, d *db.DB, n int) {
	b.Helper()
	ctx := context.Background()
	now := time.Now().UnixMilli()
	if _, err := d.W.ExecContext(ctx, `INSERT INTO appeal_categories (id, code, name, created_at, updated_at) VALUES (9001, 'bench', '压测', $1, $1)`, now); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < benchDepts; i++ {
		if _, err := d.W.ExecContext(ctx, `INSERT INTO orgs (id, kind, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)`,
			1001+i, auth.OrgGovernment, fmt.Sprintf("压测部门%02d", i), now); err != nil {
			b.Fatal(err)
		}
	}
	year := int64(365 * 24 * 3600 * 1000)
	step := year / int64(n)
	seq := `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) `
	stmts := []string{
		`INSERT INTO appeals (id, number, query_code, kind, channel, category_id, district_code, title, body, enterprise_name, state,
			lead_org_id, created_at, updated_at) ` + seq + `SELECT i, 'B' || i, 'ABCDEF',
			CASE i % 10 WHEN 0 THEN 'complaint' WHEN 1 THEN 'consultation' WHEN 2 THEN 'suggestion' ELSE 'appeal' END,
			'hotline', 9001, CASE i % 3 WHEN 0 THEN '430102' WHEN 1 THEN '430104' ELSE '430111' END, '压测诉求', '压测', '压测企业', 'closed',
			1001 + i % 60, CAST($2 AS BIGINT) + CAST(i AS BIGINT) * CAST($3 AS BIGINT), CAST($2 AS BIGINT) + CAST(i AS BIGINT) * CAST($3 AS BIGINT) FROM n`,
		`INSERT INTO appeal_assignments (appeal_id, org_id, role, round, state, done, dispatched_at, claim_due, claimed_on_time, answered_at,
			answered_on_time, handle_working_ms, redone) ` + seq + `SELECT i, 1001 + i % 60, 'lead', 1, 'answered', TRUE, CAST($2 AS BIGINT) + CAST(i AS BIGINT) * CAST($3 AS BIGINT) + 3600000,
			CAST($2 AS BIGINT) + CAST(i AS BIGINT) * CAST($3 AS BIGINT) + 90000000, i % 20 <> 0, CAST($2 AS BIGINT) + CAST(i AS BIGINT) * CAST($3 AS BIGINT) + 3600000 + 86400000 * (i % 5), i % 10 <> 0, 3600000 * (i % 35), i % 50 = 0 FROM n`,
		`INSERT INTO appeal_assignments (appeal_id, org_id, role, round, state, done, dispatched_at, claim_due, claimed_on_time)
			` + seq + `SELECT i, 1001 + (i + 7) % 60, 'co', 1, 'closed', TRUE, CAST($2 AS BIGINT) + CAST(i AS BIGINT) * CAST($3 AS BIGINT) + 3600000, CAST($2 AS BIGINT) + CAST(i AS BIGINT) * CAST($3 AS BIGINT) + 90000000, i % 3 <> 0
			FROM n WHERE i % 7 = 0`,
		`INSERT INTO appeal_callbacks (appeal_id, round, lead_org_id, satisfaction, solved, via, at, on_time) ` + seq + `SELECT i, 1, 1001 + i % 60,
			CASE i % 10 WHEN 0 THEN 'unsatisfied' WHEN 1 THEN 'basically' WHEN 2 THEN 'basically' ELSE 'satisfied' END, i % 10 > 1, 'phone',
			CAST($2 AS BIGINT) + CAST(i AS BIGINT) * CAST($3 AS BIGINT) + 3600000 + 86400000 * (i % 5 + 1), TRUE FROM n WHERE i % 10 <> 9`,
	}
	for _, st := range stmts {
		if _, err := d.W.ExecContext(ctx, st, n, benchBase, step); err != nil {
			b.Fatalf("fill: %v", err)
		}
	}
	if d.Engine == db.Postgres {
		if _, err := d.W.ExecContext(ctx, `ANALYZE`); err != nil {
			b.Fatal(err)
		}
	}
}

func benchService(d *db.DB) *stats.Service {
	return stats.New(stats.Deps{DB: d, Audit: audit.New(d, time.Now)})
}

func engines(b *testing.B) []db.Engine {
	out := []db.Engine{db.SQLite}
	if os.Getenv("YINGSHANG_TEST_POSTGRES") != "" {
		out = append(out, db.Postgres)
	}
	return out
}

// BenchmarkRebuildRollup rebuilds both roll-ups from the raw rows; appeals/s is the
// rebuild rate after a bulk import.
func BenchmarkRebuildRollup(b *testing.B) {
	n := benchAppeals()
	for _, eng := range engines(b) {
		b.Run(fmt.Sprintf("%s/%d", eng, n), func(b *testing.B) {
			d := dbtest.New(b, eng)
			fill(b, d, n)
			s := benchService(d)
			ctx := context.Background()
			for b.Loop() {
				if _, err := s.RebuildRollup(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "appeals/s")
		})
	}
}

// BenchmarkYearRanking is the 三率 ranking of one year (every department) read from the
// roll-up, after the history is rolled up: summed at every run (the roll-up's version
// moved before each, as when the roll-up job has written), and at the same version
// (the sums kept, rollupcache.go).
func BenchmarkYearRanking(b *testing.B) {
	n := benchAppeals()
	for _, eng := range engines(b) {
		b.Run(fmt.Sprintf("%s/%d", eng, n), func(b *testing.B) {
			d := dbtest.New(b, eng)
			fill(b, d, n)
			s := benchService(d)
			ctx := context.Background()
			if _, err := s.RebuildRollup(ctx); err != nil {
				b.Fatal(err)
			}
			var rows int
			_ = d.R.QueryRow(`SELECT COUNT(*) FROM stats_dept_day`).Scan(&rows)
			p, _ := stats.ParsePeriod("2025", "", "", time.Now())
			for _, moved := range []bool{true, false} {
				name := "summed"
				if !moved {
					name = "same-version"
				}
				b.Run(name, func(b *testing.B) {
					for b.Loop() {
						if moved {
							b.StopTimer()
							if _, err := d.W.ExecContext(ctx, `UPDATE stats_watermark SET version = version + 1`); err != nil {
								b.Fatal(err)
							}
							b.StartTimer()
						}
						rep, err := s.Assessment(ctx, auth.System(), stats.AssessmentQuery{Period: p})
						if err != nil {
							b.Fatal(err)
						}
						if len(rep.Rows) != benchDepts {
							b.Fatalf("%d departments ranked", len(rep.Rows))
						}
					}
					b.ReportMetric(float64(rows), "rollup-rows")
				})
			}
		})
	}
}
