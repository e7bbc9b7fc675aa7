package appeal

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/db"
)

// BulkOptions tune a bulk load.
type BulkOptions struct {
	// CleanOnly writes the rows without errors even when other rows have some; without
	// it one error anywhere writes nothing (ImportAppeals).
	CleanOnly bool
	// DryRun checks every row and writes nothing.
	DryRun bool
	// Batch is the number of appeals per transaction (default 5,000).
	Batch int
	// DeferIndexes drops the secondary indexes of the appeal tables (and on PostgreSQL
	// their foreign keys) for the load and builds them again at the end (much faster for
	// a large load into a database nobody uses meanwhile; the unique number index stays).
	DeferIndexes bool
	// Now is "today" for the rows' times and open appeals' clocks (default: the
	// service's clock).
	Now time.Time
	// Progress, if set, is called after each batch with the appeals written so far.
	Progress func(written int)
	// Filename is recorded in the audit log.
	Filename string
}

// BulkResult says what a bulk load did.
type BulkResult struct {
	Rows      int
	Clean     int
	ErrorRows int
	Imported  int
	// FirstID and LastID bound the ids written (for the search index's Rebuild).
	FirstID, LastID int64
	Errors          []BulkError
	Elapsed         time.Duration
	IndexBuild      time.Duration
}

// MaxBulkErrors bounds the errors reported (the first ones, in row order).
const MaxBulkErrors = 1000

// ImportAppeals checks every row, then — when all are clean, or CleanOnly — writes them
// in batches (operators and the command line). rowNums are the rows' numbers as the
// source shows them (nil: 1, 2, …). parseErrs are errors the file reader found; their
// rows are not written.
func (s *Service) ImportAppeals(ctx context.Context, a auth.Actor, rows []BulkRow, rowNums []int, parseErrs []BulkError, o BulkOptions) (BulkResult, error) {
	if !a.IsSystem() && !a.Has(auth.RoleOperator) && !a.Has(auth.RoleAdmin) {
		return BulkResult{}, apperr.Forbidden()
	}
	start := time.Now()
	res := BulkResult{Rows: len(rows), Errors: parseErrs}
	if o.Now.IsZero() {
		o.Now = s.now()
	}
	b, err := s.NewBulkImporter(ctx, o.Now)
	if err != nil {
		return res, err
	}
	bad := map[int]bool{}
	type cell struct {
		row   int
		field string
	}
	parsed := map[cell]bool{}
	for _, e := range parseErrs {
		bad[e.Row] = true
		parsed[cell{e.Row, e.Field}] = true
	}
	var clean []bulkAppeal
	for i, r := range rows {
		n := i + 1
		if rowNums != nil {
			n = rowNums[i]
		}
		ba, errs, err := b.Check(ctx, r)
		if err != nil {
			return res, err
		}
		for _, e := range errs {
			e.Row = n
			if !parsed[cell{n, e.Field}] { // the reader already said what is wrong there
				res.Errors = append(res.Errors, e)
			}
		}
		if len(errs) > 0 {
			bad[n] = true
		}
		if len(errs) == 0 && !bad[n] {
			clean = append(clean, ba)
		}
	}
	res.Clean, res.ErrorRows = len(clean), len(bad)
	if len(res.Errors) > MaxBulkErrors {
		res.Errors = res.Errors[:MaxBulkErrors]
	}
	if o.DryRun || (len(bad) > 0 && !o.CleanOnly) || len(clean) == 0 {
		res.Elapsed = time.Since(start)
		return res, nil
	}
	i := 0
	next := func() (bulkAppeal, bool) {
		if i >= len(clean) {
			return bulkAppeal{}, false
		}
		i++
		return clean[i-1], true
	}
	if err := s.bulkWrite(ctx, a, b, next, o, &res); err != nil {
		return res, err
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// BulkLoad checks and writes rows as next produces them, batch by batch (the benchmark's
// generator feeds it without a file). A row with an error stops the load: the batches
// already written stay.
func (s *Service) BulkLoad(ctx context.Context, a auth.Actor, next func() (BulkRow, bool), o BulkOptions) (BulkResult, error) {
	start := time.Now()
	var res BulkResult
	if o.Now.IsZero() {
		o.Now = s.now()
	}
	b, err := s.NewBulkImporter(ctx, o.Now)
	if err != nil {
		return res, err
	}
	var failed error
	checked := func() (bulkAppeal, bool) {
		if failed != nil {
			return bulkAppeal{}, false
		}
		r, ok := next()
		if !ok {
			return bulkAppeal{}, false
		}
		res.Rows++
		ba, errs, err := b.Check(ctx, r)
		switch {
		case err != nil:
			failed = err
		case len(errs) > 0:
			e := errs[0]
			e.Row = res.Rows
			res.Errors = append(res.Errors, e)
			failed = fmt.Errorf("appeal: bulk row %d: %s: %s", res.Rows, e.Field, e.Key)
		default:
			res.Clean++
			return ba, true
		}
		return bulkAppeal{}, false
	}
	err = s.bulkWrite(ctx, a, b, checked, o, &res)
	res.Elapsed = time.Since(start)
	if err == nil {
		err = failed
	}
	return res, err
}

// bulkWrite writes what next yields in batches of o.Batch transactions.
func (s *Service) bulkWrite(ctx context.Context, a auth.Actor, b *BulkImporter, next func() (bulkAppeal, bool), o BulkOptions, res *BulkResult) (err error) {
	if o.Batch <= 0 {
		o.Batch = 5000
	}
	var creates []string
	rebuild := func() error {
		if len(creates) == 0 {
			return nil
		}
		t := time.Now()
		var err error
		for _, c := range creates {
			// Build them all even when one fails: the tables must not stay without.
			if _, e := s.db.W.ExecContext(context.WithoutCancel(ctx), c); e != nil && err == nil {
				err = fmt.Errorf("appeal: bulk: restore: %s: %w", c, e)
			}
		}
		creates = nil
		res.IndexBuild = time.Since(t)
		return err
	}
	// A large page cache for the load (the writer is one connection: the setting is the
	// load's alone), the usual one afterwards; when nobody else uses the database, the
	// file mapped for the load and the index builds too.
	restore, err := s.db.BulkWriter(ctx, o.DeferIndexes)
	if err != nil {
		return err
	}
	defer restore()
	if o.DeferIndexes {
		// What was dropped comes back even when dropping the rest failed.
		creates, err = s.dropIndexes(ctx)
		defer func() {
			if e := rebuild(); e != nil && err == nil {
				err = e
			}
		}()
		if err != nil {
			return err
		}
	}
	// The statements of every batch, parsed once for the load (SQLite; outside any
	// transaction, as the writer's one connection must be free to prepare them).
	b.prep = s.db.Prepare(bulkStatements()...)
	defer b.prep.Close()
	// The rows are checked (and generated) and their values made on another goroutine
	// while the writer writes the previous batch: on two cores the checks no longer wait
	// for SQLite, nor SQLite for them.
	batches := make(chan *bulkBatch, 1)
	stop := make(chan struct{})
	go func() {
		defer close(batches)
		batch := make([]bulkAppeal, 0, o.Batch)
		for {
			ba, ok := next()
			if ok {
				batch = append(batch, ba)
			}
			if len(batch) > 0 && (len(batch) == o.Batch || !ok) {
				select {
				case batches <- b.encode(batch):
				case <-stop:
					return
				}
				batch = make([]bulkAppeal, 0, o.Batch)
			}
			if !ok {
				return
			}
		}
	}()
	defer func() {
		close(stop)
		for range batches { // the producer has stopped once batches is closed
		}
	}()
	for batch := range batches {
		first, last, err := b.Write(ctx, batch)
		if err != nil {
			if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
				// Cancelled mid-statement, PostgreSQL's driver may report the connection
				// it closed (driver: bad connection) rather than the cancellation.
				err = fmt.Errorf("%w: %w", cerr, err)
			}
			return err
		}
		if res.FirstID == 0 {
			res.FirstID = first
		}
		res.LastID = last
		res.Imported += len(batch.rows)
		if o.Progress != nil {
			o.Progress(res.Imported)
		}
	}
	if res.Imported == 0 {
		return nil
	}
	// The indexes first, then the planner's statistics, which must know them.
	if err := rebuild(); err != nil {
		return err
	}
	if err := b.Finish(ctx); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		return s.record(ctx, a, "import", 0, audit.Change{After: map[string]any{"appeals": res.Imported, "first_id": res.FirstID,
			"last_id": res.LastID, "file": o.Filename}})
	})
}

// bulkTables are the tables whose secondary indexes (and foreign keys, on PostgreSQL) a
// deferred load drops, as an SQL list.
const bulkTables = `('appeals', 'appeal_events', 'appeal_assignments', 'appeal_callbacks')`

// dropIndexes drops the non-unique indexes of the bulk tables (and on PostgreSQL their
// foreign keys) and returns the statements that create them again, in order. The parts'
// appeal index stays: each batch's claim steps are read through it.
func (s *Service) dropIndexes(ctx context.Context) ([]string, error) {
	var q string
	if s.db.Engine == db.Postgres {
		q = `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()
			AND tablename IN ` + bulkTables + ` AND indexdef NOT LIKE 'CREATE UNIQUE%' AND indexname <> 'appeal_assignments_appeal'`
	} else {
		q = `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
			AND tbl_name IN ` + bulkTables + ` AND sql NOT LIKE 'CREATE UNIQUE%' AND name <> 'appeal_assignments_appeal'`
	}
	rows, err := s.db.W.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("appeal: bulk: indexes: %w", err)
	}
	var names, creates []string
	for rows.Next() {
		var n, c string
		if err := rows.Scan(&n, &c); err != nil {
			rows.Close()
			return nil, err
		}
		names, creates = append(names, n), append(creates, c)
	}
	if err := db.RowsErr(rows); err != nil {
		return nil, err
	}
	var restore []string
	for i, n := range names {
		if _, err := s.db.W.ExecContext(ctx, `DROP INDEX `+quoteIdent(n)); err != nil {
			return restore, fmt.Errorf("appeal: bulk: drop index %s: %w", n, err)
		}
		restore = append(restore, creates[i])
	}
	if s.db.Engine != db.Postgres {
		return restore, nil
	}
	keys, err := s.dropForeignKeys(ctx)
	return append(restore, keys...), err
}

// dropForeignKeys drops the foreign keys of the bulk tables (PostgreSQL) and returns the
// statements that add them again. PostgreSQL checks a foreign key with a trigger per
// row — about fifteen lookups for an appeal with its part, callback and timeline, most
// of a load's time (200,000 appeals: 44.6 s) — while adding one back checks every row
// in one join. Each comes back NOT VALID first and is then validated: should the rows
// break it, it still holds for every new row, and the load reports the error.
func (s *Service) dropForeignKeys(ctx context.Context) ([]string, error) {
	rows, err := s.db.W.QueryContext(ctx, `SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k
		JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE k.contype = 'f' AND n.nspname = current_schema()
		AND c.relname IN `+bulkTables+` ORDER BY c.relname, k.conname`)
	if err != nil {
		return nil, fmt.Errorf("appeal: bulk: foreign keys: %w", err)
	}
	var keys [][3]string
	for rows.Next() {
		var k [3]string
		if err := rows.Scan(&k[0], &k[1], &k[2]); err != nil {
			rows.Close()
			return nil, err
		}
		keys = append(keys, k)
	}
	if err := db.RowsErr(rows); err != nil {
		return nil, err
	}
	var restore []string
	for _, k := range keys {
		table, name := quoteIdent(k[0]), quoteIdent(k[1])
		if _, err := s.db.W.ExecContext(ctx, `ALTER TABLE `+table+` DROP CONSTRAINT `+name); err != nil {
			return restore, fmt.Errorf("appeal: bulk: drop foreign key %s: %w", k[1], err)
		}
		restore = append(restore, `ALTER TABLE `+table+` ADD CONSTRAINT `+name+` `+k[2]+` NOT VALID`,
			`ALTER TABLE `+table+` VALIDATE CONSTRAINT `+name)
	}
	return restore, nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
