package stats

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"yingshang/internal/db"
	"yingshang/internal/jobs"
)

// Job kinds.
const (
	// JobRollup consumes appeal events past the watermark into the roll-ups.
	JobRollup = "stats.rollup"
	// JobDetect looks for common problems and raises proactive tasks.
	JobDetect = "stats.detect"
)

// RollupEvery and DetectEvery are the periods of the two jobs.
const (
	RollupEvery = time.Minute
	DetectEvery = time.Hour
)

// Tuning of the incremental roll-up (variables so that tests can move them).
var (
	// stepEvents is how many appeal events CatchUp reads for their cells at a time.
	stepEvents int64 = 5000
	// batchCells and batchEvents bound one transaction: it reads steps of events until
	// their cells number batchCells or the events batchEvents, then recomputes each cell
	// once. A burst of intake falls on a few cells — today's day of a category, every
	// intake the whole day's appeals of it counted again —, and with a transaction for
	// every 5,000 events a run recomputed the same cell some twenty-five times, each time
	// in the single writer's turn on SQLite: at ten million appeals, after a bench's
	// sustained intake, today's cell held 312,379 appeals: 120 ms to recompute (SQLite's C library).
	batchCells        = 200
	batchEvents int64 = 100_000
)

const (
	// rebuildBacklog: past this many unconsumed events (a bulk import), CatchUp rebuilds
	// the roll-ups in one pass instead of walking the events.
	rebuildBacklog = 500_000
	// catchUpBudget bounds one run of the job; the next run goes on from the watermark.
	catchUpBudget = 30 * time.Second
)

// RegisterJobs registers the roll-up (every minute) and the common-problem detector
// (every hour) with the queue.
func (s *Service) RegisterJobs(q *jobs.Queue) {
	q.Handle(JobRollup, func(ctx context.Context, _ jobs.Job) error {
		_, err := s.CatchUp(ctx)
		return err
	})
	q.Every(JobRollup, RollupEvery)
	q.Handle(JobDetect, func(ctx context.Context, _ jobs.Job) error {
		_, err := s.Detect(ctx)
		return err
	})
	q.Every(JobDetect, DetectEvery)
}

// RollupResult says what CatchUp or RebuildRollup did.
type RollupResult struct {
	Events    int64 // appeal events consumed
	Batches   int
	DeptCells int // department days recomputed
	Intake    int // category days recomputed
	Rebuilt   bool
	Watermark int64
	Elapsed   time.Duration
}

// horizon is the highest appeal event id below which every event is committed or never
// will be. On PostgreSQL a transaction that inserts an event holds ROW EXCLUSIVE on
// appeal_events until it commits; taking SHARE waits for those transactions and blocks new
// inserts for the instant of the MAX(id) look-up, so every id at or below the answer is
// settled, and every event inserted later gets a higher id (identity sequences only
// grow). On SQLite there is one writer: ids are handed out in commit order.
func (s *Service) horizon(ctx context.Context) (int64, error) {
	var h int64
	if s.db.Engine != db.Postgres {
		err := s.db.R.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM appeal_events`).Scan(&h)
		return h, err
	}
	tx, err := s.db.W.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("stats: horizon: %w", err)
	}
	defer tx.Rollback()
	for _, q := range []string{`SET LOCAL lock_timeout = '10s'`, `LOCK TABLE appeal_events IN SHARE MODE`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return 0, fmt.Errorf("stats: horizon: %w", err)
		}
	}
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM appeal_events`).Scan(&h); err != nil {
		return 0, fmt.Errorf("stats: horizon: %w", err)
	}
	return h, tx.Commit()
}

// lockWatermark reads the watermark and holds it for the transaction in ctx (FOR UPDATE
// on PostgreSQL; SQLite's write transaction already excludes every other writer).
func (s *Service) lockWatermark(ctx context.Context) (int64, error) {
	q := `SELECT event_id FROM stats_watermark WHERE name = 'rollup'`
	if s.db.Engine == db.Postgres {
		q += ` FOR UPDATE`
	}
	var w int64
	err := s.db.Q(ctx).QueryRowContext(ctx, q).Scan(&w)
	if err != nil {
		return 0, fmt.Errorf("stats: watermark: %w", err)
	}
	return w, nil
}

func (s *Service) setWatermark(ctx context.Context, w int64) error {
	_, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE stats_watermark SET event_id = $1, updated_at = $2, version = version + 1 WHERE name = 'rollup'`, w, db.Millis(s.now()))
	return err
}

// Freshness is the roll-up's state: the last event consumed, when, and how many events
// wait.
type Freshness struct {
	Watermark int64
	UpdatedAt time.Time
	Pending   int64
	// Version counts the transactions that wrote the roll-ups (setWatermark): what is
	// computed from them holds while it stays (rollupcache.go).
	Version int64
}

// Freshness tells how current the roll-ups are.
func (s *Service) Freshness(ctx context.Context) (Freshness, error) {
	var f Freshness
	var at, maxID int64
	err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT w.event_id, w.updated_at, w.version, COALESCE((SELECT MAX(id) FROM appeal_events), 0)
		FROM stats_watermark w WHERE w.name = 'rollup'`).Scan(&f.Watermark, &at, &f.Version, &maxID)
	if err != nil {
		return f, fmt.Errorf("stats: freshness: %w", err)
	}
	f.UpdatedAt, f.Pending = db.FromMillis(at), max(maxID-f.Watermark, 0)
	return f, nil
}

// CatchUp consumes the appeal events past the watermark: for each batch (events read in
// steps until their cells number batchCells or the events batchEvents), in one
// transaction, it finds the appeals the events touch, recomputes from the raw rows every
// department day and category day those appeals' parts, answers, callbacks and filing
// fall on, and moves the watermark. Recomputing a cell is idempotent, the watermark row
// is locked for the transaction, so any number of processes may run it at once and the
// roll-up stays exactly the direct computation as of the watermark. A backlog larger than
// rebuildBacklog (a bulk import) is rolled up by RebuildRollup instead.
func (s *Service) CatchUp(ctx context.Context) (RollupResult, error) {
	start := time.Now()
	var res RollupResult
	h, err := s.horizon(ctx)
	if err != nil {
		return res, err
	}
	var w int64
	if err := s.db.R.QueryRowContext(ctx, `SELECT event_id FROM stats_watermark WHERE name = 'rollup'`).Scan(&w); err != nil {
		return res, fmt.Errorf("stats: watermark: %w", err)
	}
	if h-w > rebuildBacklog {
		return s.RebuildRollup(ctx)
	}
	for time.Since(start) < catchUpBudget {
		done := false
		err := s.db.WithTx(ctx, func(ctx context.Context) error {
			w, err := s.lockWatermark(ctx)
			if err != nil {
				return err
			}
			if w >= h {
				done = true
				res.Watermark = w
				return nil
			}
			c := newCells()
			end := w
			for end < h && end-w < batchEvents && c.len() < batchCells {
				next := min(h, end+stepEvents)
				if err := s.touched(ctx, end, next, c); err != nil {
					return err
				}
				end = next
			}
			dept, intake, err := s.recompute(ctx, c)
			if err != nil {
				return err
			}
			res.Events += end - w
			res.Batches++
			res.DeptCells += dept
			res.Intake += intake
			res.Watermark = end
			return s.setWatermark(ctx, end)
		})
		if err != nil {
			return res, err
		}
		if done {
			break
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

type deptCell struct {
	org int64
	day Day
}

type intakeCell struct {
	cat int64
	day Day
}

const touchedSQL = `SELECT x.org_id, x.dispatched_at, CASE WHEN x.role = 'lead' THEN x.answered_at ELSE 0 END
	FROM appeal_assignments x
	WHERE x.appeal_id IN (SELECT e.appeal_id FROM appeal_events e WHERE e.id > $1 AND e.id <= $2)
	UNION ALL
	SELECT c.lead_org_id, c.at, 0 FROM appeal_callbacks c
	WHERE c.lead_org_id IS NOT NULL AND c.appeal_id IN (SELECT e.appeal_id FROM appeal_events e WHERE e.id > $1 AND e.id <= $2)`

const filedSQL = `SELECT a.category_id, a.created_at FROM appeals a
	WHERE a.id IN (SELECT e.appeal_id FROM appeal_events e WHERE e.id > $1 AND e.id <= $2 AND e.action = 'create')`

// cells are the department days and category days some events touch.
type cells struct {
	depts  map[deptCell]bool
	intake map[intakeCell]bool
}

func newCells() *cells {
	return &cells{depts: map[deptCell]bool{}, intake: map[intakeCell]bool{}}
}

func (c *cells) len() int { return len(c.depts) + len(c.intake) }

// touched adds the cells that the events (from, to] touch to c.
func (s *Service) touched(ctx context.Context, from, to int64, c *cells) error {
	q := s.db.Q(ctx)
	rows, err := q.QueryContext(ctx, touchedSQL, from, to)
	if err != nil {
		return fmt.Errorf("stats: touched cells: %w", err)
	}
	for rows.Next() {
		var org, a, b int64
		if err := rows.Scan(&org, &a, &b); err != nil {
			rows.Close()
			return err
		}
		if a > 0 {
			c.depts[deptCell{org, DayOf(time.UnixMilli(a))}] = true
		}
		if b > 0 {
			c.depts[deptCell{org, DayOf(time.UnixMilli(b))}] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = q.QueryContext(ctx, filedSQL, from, to)
	if err != nil {
		return fmt.Errorf("stats: filed cells: %w", err)
	}
	for rows.Next() {
		var cat, at int64
		if err := rows.Scan(&cat, &at); err != nil {
			rows.Close()
			return err
		}
		c.intake[intakeCell{cat, DayOf(time.UnixMilli(at))}] = true
	}
	rows.Close()
	return rows.Err()
}

// recompute recomputes the cells in c, each once, and the months of the department
// days. It returns how many department days and category days it recomputed.
func (s *Service) recompute(ctx context.Context, cs *cells) (int, int, error) {
	q := s.db.Q(ctx)
	// A stable order keeps two writers' row locks in the same order on PostgreSQL.
	dl := make([]deptCell, 0, len(cs.depts))
	for c := range cs.depts {
		dl = append(dl, c)
	}
	slices.SortFunc(dl, func(a, b deptCell) int {
		if a.day != b.day {
			return int(a.day - b.day)
		}
		return int(a.org - b.org)
	})
	months := map[deptCell]bool{}
	var ml []deptCell
	for _, c := range dl {
		if err := s.recomputeDept(ctx, q, c); err != nil {
			return 0, 0, err
		}
		if m := (deptCell{c.org, c.day.MonthStart()}); !months[m] {
			months[m] = true
			ml = append(ml, m)
		}
	}
	for _, m := range ml {
		if err := recomputeMonth(ctx, q, m); err != nil {
			return 0, 0, err
		}
	}
	il := make([]intakeCell, 0, len(cs.intake))
	for c := range cs.intake {
		il = append(il, c)
	}
	slices.SortFunc(il, func(a, b intakeCell) int {
		if a.day != b.day {
			return int(a.day - b.day)
		}
		return int(a.cat - b.cat)
	})
	for _, c := range il {
		if err := s.recomputeIntake(ctx, q, c); err != nil {
			return 0, 0, err
		}
	}
	return len(dl), len(il), nil
}

// deptCellSQL is THE definition of a department day's counters (see the package doc); the
// rebuild below is the same with the day computed in SQL.
const deptCellSQL = `INSERT INTO stats_dept_day (day, org_id, kind, dispatched, claimed_on_time, answered, answered_on_time,
	handling_ms, redone, called_back, solved, satisfied)
	SELECT CAST($1 AS BIGINT), CAST($2 AS BIGINT), u.kind, SUM(u.d), SUM(u.c), SUM(u.an), SUM(u.ao), SUM(u.h), SUM(u.r), SUM(u.cb), SUM(u.so), SUM(u.sa) FROM (
	SELECT a.kind AS kind, 1 AS d, CASE WHEN x.claimed_on_time THEN 1 ELSE 0 END AS c, 0 AS an, 0 AS ao, CAST(0 AS BIGINT) AS h, 0 AS r,
		0 AS cb, 0 AS so, 0 AS sa
	FROM appeal_assignments x JOIN appeals a ON a.id = x.appeal_id
	WHERE x.org_id = $2 AND x.dispatched_at >= $3 AND x.dispatched_at < $4 AND x.return_approved = FALSE
	UNION ALL
	SELECT a.kind, 0, 0, 1, CASE WHEN x.answered_on_time THEN 1 ELSE 0 END, x.handle_working_ms, CASE WHEN x.redone THEN 1 ELSE 0 END, 0, 0, 0
	FROM appeal_assignments x JOIN appeals a ON a.id = x.appeal_id
	WHERE x.org_id = $2 AND x.role = 'lead' AND x.answered_at > 0 AND x.answered_at >= $3 AND x.answered_at < $4
	UNION ALL
	SELECT a.kind, 0, 0, 0, 0, 0, 0, 1, CASE WHEN c.solved THEN 1 ELSE 0 END, CASE WHEN c.satisfaction IN ('satisfied', 'basically') THEN 1 ELSE 0 END
	FROM appeal_callbacks c JOIN appeals a ON a.id = c.appeal_id
	WHERE c.lead_org_id = $2 AND c.at >= $3 AND c.at < $4
	) u GROUP BY u.kind`

func (s *Service) recomputeDept(ctx context.Context, q db.Querier, c deptCell) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM stats_dept_day WHERE day = $1 AND org_id = $2`, int64(c.day), c.org); err != nil {
		return fmt.Errorf("stats: clear department day: %w", err)
	}
	f := c.day.StartMs()
	if _, err := q.ExecContext(ctx, deptCellSQL, int64(c.day), c.org, f, f+dayMs); err != nil {
		return fmt.Errorf("stats: department day: %w", err)
	}
	return nil
}

// monthSQL sums a department's days of one month (or, without the org condition, every
// department's) into stats_dept_month.
const monthSQL = `INSERT INTO stats_dept_month (month, org_id, kind, ` + counterCols + `)
	SELECT CAST($1 AS BIGINT), org_id, kind, ` + sumCols + ` FROM stats_dept_day
	WHERE day >= $1 AND day < $2`

// recomputeMonth sums the department's month (c.day is the month's first day) from its
// days, after they were recomputed.
func recomputeMonth(ctx context.Context, q db.Querier, c deptCell) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM stats_dept_month WHERE month = $1 AND org_id = $2`, int64(c.day), c.org); err != nil {
		return fmt.Errorf("stats: clear department month: %w", err)
	}
	if _, err := q.ExecContext(ctx, monthSQL+` AND org_id = $3 GROUP BY org_id, kind`, int64(c.day), int64(c.day.NextMonth()), c.org); err != nil {
		return fmt.Errorf("stats: department month: %w", err)
	}
	return nil
}

// rebuildMonths sums every month of stats_dept_day into stats_dept_month.
func rebuildMonths(ctx context.Context, q db.Querier) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM stats_dept_month`); err != nil {
		return fmt.Errorf("stats: rebuild months: %w", err)
	}
	var lo, hi sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT MIN(day), MAX(day) FROM stats_dept_day`).Scan(&lo, &hi); err != nil {
		return fmt.Errorf("stats: rebuild months: %w", err)
	}
	if !lo.Valid {
		return nil
	}
	for m := Day(lo.Int64).MonthStart(); m <= Day(hi.Int64); m = m.NextMonth() {
		if _, err := q.ExecContext(ctx, monthSQL+` GROUP BY org_id, kind`, int64(m), int64(m.NextMonth())); err != nil {
			return fmt.Errorf("stats: rebuild months: %w", err)
		}
	}
	return nil
}

const intakeCellSQL = `INSERT INTO stats_intake_day (day, category_id, district_code, kind, filed)
	SELECT CAST($1 AS BIGINT), CAST($2 AS BIGINT), a.district_code, a.kind, COUNT(*) FROM appeals a
	WHERE a.category_id = $2 AND a.created_at >= $3 AND a.created_at < $4
	GROUP BY a.district_code, a.kind`

func (s *Service) recomputeIntake(ctx context.Context, q db.Querier, c intakeCell) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM stats_intake_day WHERE day = $1 AND category_id = $2`, int64(c.day), c.cat); err != nil {
		return fmt.Errorf("stats: clear category day: %w", err)
	}
	f := c.day.StartMs()
	if _, err := q.ExecContext(ctx, intakeCellSQL, int64(c.day), c.cat, f, f+dayMs); err != nil {
		return fmt.Errorf("stats: category day: %w", err)
	}
	return nil
}

const dayExpr = `(%s + 28800000) / 86400000`

var rebuildDeptSQL = fmt.Sprintf(`INSERT INTO stats_dept_day (day, org_id, kind, dispatched, claimed_on_time, answered, answered_on_time,
	handling_ms, redone, called_back, solved, satisfied)
	SELECT u.day, u.org_id, u.kind, SUM(u.d), SUM(u.c), SUM(u.an), SUM(u.ao), SUM(u.h), SUM(u.r), SUM(u.cb), SUM(u.so), SUM(u.sa) FROM (
	SELECT `+dayExpr+` AS day, x.org_id AS org_id, a.kind AS kind, 1 AS d, CASE WHEN x.claimed_on_time THEN 1 ELSE 0 END AS c,
		0 AS an, 0 AS ao, CAST(0 AS BIGINT) AS h, 0 AS r, 0 AS cb, 0 AS so, 0 AS sa
	FROM appeal_assignments x JOIN appeals a ON a.id = x.appeal_id
	WHERE x.return_approved = FALSE
	UNION ALL
	SELECT `+dayExpr+`, x.org_id, a.kind, 0, 0, 1, CASE WHEN x.answered_on_time THEN 1 ELSE 0 END, x.handle_working_ms,
		CASE WHEN x.redone THEN 1 ELSE 0 END, 0, 0, 0
	FROM appeal_assignments x JOIN appeals a ON a.id = x.appeal_id
	WHERE x.role = 'lead' AND x.answered_at > 0
	UNION ALL
	SELECT `+dayExpr+`, c.lead_org_id, a.kind, 0, 0, 0, 0, 0, 0, 1, CASE WHEN c.solved THEN 1 ELSE 0 END,
		CASE WHEN c.satisfaction IN ('satisfied', 'basically') THEN 1 ELSE 0 END
	FROM appeal_callbacks c JOIN appeals a ON a.id = c.appeal_id
	WHERE c.lead_org_id IS NOT NULL
	) u GROUP BY u.day, u.org_id, u.kind`, "x.dispatched_at", "x.answered_at", "c.at")

var rebuildIntakeSQL = fmt.Sprintf(`INSERT INTO stats_intake_day (day, category_id, district_code, kind, filed)
	SELECT `+dayExpr+`, a.category_id, a.district_code, a.kind, COUNT(*) FROM appeals a
	GROUP BY `+dayExpr+`, a.category_id, a.district_code, a.kind`, "a.created_at", "a.created_at")

// RebuildRollup recomputes both roll-ups from every raw row in one transaction and sets
// the watermark to the horizon: for after a bulk import that wrote rows without events,
// or to repair. Readers keep seeing the old roll-up until it commits.
func (s *Service) RebuildRollup(ctx context.Context) (RollupResult, error) {
	start := time.Now()
	var res RollupResult
	h, err := s.horizon(ctx)
	if err != nil {
		return res, err
	}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		w, err := s.lockWatermark(ctx)
		if err != nil {
			return err
		}
		q := s.db.Q(ctx)
		for _, st := range []string{`DELETE FROM stats_dept_day`, `DELETE FROM stats_intake_day`, rebuildDeptSQL, rebuildIntakeSQL} {
			if _, err := q.ExecContext(ctx, st); err != nil {
				return fmt.Errorf("stats: rebuild: %w", err)
			}
		}
		if err := rebuildMonths(ctx, q); err != nil {
			return err
		}
		res.Events, res.Watermark, res.Rebuilt = max(h-w, 0), max(h, w), true
		return s.setWatermark(ctx, res.Watermark)
	})
	res.Elapsed = time.Since(start)
	return res, err
}
