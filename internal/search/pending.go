package search

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"yingshang/internal/db"
)

// On SQLite an FTS5 table keeps every transaction's terms as a segment of its own and
// merges segments as they pile up — inside whichever transaction writes next. Fed from
// every intake, that put the merge of a million-appeal index into one intake in twenty
// (measured: p95 ~7 s at 1,000,000 appeals). So intake writes its terms to the plain
// appeal_fts_pending table instead (one B-tree row), and Fold, run by a background loop,
// moves them in batches into appeal_fts_live, an FTS5 table kept small (sealed at sealAt
// appeals) so that its own merges stay short; the bulk-built history in appeal_fts is never
// merged from here (docs/search.md). Search reads them all: the pending rows are few (what
// arrived since the last fold) and
// are matched with instr() and confirmed in Go, and a pending row overrides the appeal's
// older FTS5 entry (a reply re-indexes the appeal).

// foldBatch is how many pending appeals one Fold transaction moves (a variable so that
// tests can move it).
var foldBatch = 2000

// FoldEvery is how often the background loop folds.
const FoldEvery = 250 * time.Millisecond

// Fold moves up to foldBatch pending appeals into the live FTS5 table in one transaction
// and reports how many it moved. A no-op on PostgreSQL, whose GIN index has its own
// pending list.
func (e *Engine) Fold(ctx context.Context) (moved int, err error) {
	if e.db.Engine != db.SQLite {
		return 0, nil
	}
	err = e.db.WithTx(ctx, func(ctx context.Context) error {
		rows, err := e.db.Q(ctx).QueryContext(ctx, `SELECT p.appeal_id, p.terms, COALESCE(a.enterprise_org_id, 0)
			FROM appeal_fts_pending p LEFT JOIN appeals a ON a.id = p.appeal_id ORDER BY p.appeal_id LIMIT $1`, foldBatch)
		if err != nil {
			return err
		}
		type doc struct {
			id, org int64
			terms   string
		}
		var docs []doc
		for rows.Next() {
			var d doc
			if err := rows.Scan(&d.id, &d.terms, (*db.Int64)(&d.org)); err != nil {
				rows.Close()
				return err
			}
			docs = append(docs, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// The older entry of an appeal answered since, in the history's table or a sealed
		// one, goes: the live one replaces it (within the live table INSERT OR REPLACE does).
		// So does its older copy (copies.go), from every older table of copies: the
		// backfill writes copies into the history's, wherever the terms are.
		var older, olderCopies []string
		var ranges []idRange
		var below int64
		if len(docs) > 0 {
			if ranges, err = e.olderTables(ctx); err != nil {
				return err
			}
			if olderCopies, err = e.tables(ctx, entBase); err != nil {
				return err
			}
			olderCopies = olderCopies[1:]
			if below, err = e.copiesBelow(ctx); err != nil {
				return err
			}
		}
		var copies []copyDoc
		for _, d := range docs {
			older = older[:0]
			for _, r := range ranges {
				if d.id >= r.lo && d.id <= r.hi {
					older = append(older, r.table)
				}
			}
			for _, t := range older {
				if _, err := e.db.Q(ctx).ExecContext(ctx, `DELETE FROM `+t+` WHERE rowid = $1`, d.id); err != nil {
					return err
				}
			}
			terms := strings.TrimSpace(d.terms)
			if _, err := e.prep.Exec(ctx, putLive, d.id, terms); err != nil {
				return err
			}
			cp, ok := copyRowid(d.org, d.id)
			if !ok {
				continue
			}
			if len(older) > 0 || d.id < below {
				for _, t := range olderCopies {
					if _, err := e.db.Q(ctx).ExecContext(ctx, `DELETE FROM `+t+` WHERE rowid = $1`, cp); err != nil {
						return err
					}
				}
			}
			copies = append(copies, copyDoc{cp, terms})
		}
		if err := e.putCopies(ctx, putEntL, copies); err != nil {
			return err
		}
		if err := e.sealLive(ctx, len(docs)); err != nil {
			return err
		}
		if len(docs) > 0 {
			// The writer lock is held from BEGIN IMMEDIATE: no row came in between.
			if _, err := e.db.Q(ctx).ExecContext(ctx, `DELETE FROM appeal_fts_pending WHERE appeal_id <= $1`, docs[len(docs)-1].id); err != nil {
				return err
			}
		}
		moved = len(docs)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("search: fold: %w", err)
	}
	return moved, nil
}

// The live table is sealed once it holds sealAt appeals: renamed appeal_fts_sealed_N, it
// is searched like the others and never merged again, and a new, empty live table takes
// the folds. FTS5 merges a table's segments inside the transaction that flushes new terms
// into it — on SQLite the single writer's turn —, and what a merge deletes and rewrites
// grows with the table: with 2.4 million appeals in one live table, API intake at ten
// million appeals fell from 4,254 to 2,359 appeals/s (docs/benchmarks.md). A variable so
// that tests can move it.
var sealAt int64 = 500_000

// liveTableSQL creates the live table (as migrations 00014 and 00021 did) and the live
// table of copies (as migration 00022 did).
var liveTableSQL = []string{
	`CREATE VIRTUAL TABLE appeal_fts_live USING fts5(terms, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0')`,
	`INSERT INTO appeal_fts_live (appeal_fts_live, rank) VALUES ('automerge', 16)`,
	`CREATE VIRTUAL TABLE appeal_fts_ent_live USING fts5(terms, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0')`,
	`INSERT INTO appeal_fts_ent_live (appeal_fts_ent_live, rank) VALUES ('automerge', 16)`,
}

// sealLive counts moved appeals into the live table and seals it when it holds sealAt,
// in the transaction in ctx.
func (e *Engine) sealLive(ctx context.Context, moved int) error {
	e.live.Lock()
	defer e.live.Unlock()
	q := e.db.Q(ctx)
	if !e.live.known {
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM appeal_fts_live_docsize`).Scan(&e.live.docs); err != nil {
			return fmt.Errorf("search: live table: %w", err)
		}
		e.live.known = true
	} else {
		e.live.docs += int64(moved)
	}
	if e.live.docs < sealAt {
		return nil
	}
	tables, err := e.ftsTables(ctx)
	if err != nil {
		return err
	}
	n := 1
	for _, t := range tables {
		if k, ok := sealedNumber("appeal_fts", t); ok && k >= n {
			n = k + 1
		}
	}
	// The count is read again after a rollback (the rename and the new table go with it).
	e.live.known = false
	// The live table of copies is sealed with it, under the same number.
	if _, err := q.ExecContext(ctx, `ALTER TABLE appeal_fts_live RENAME TO `+sealedTable("appeal_fts", n)); err != nil {
		return fmt.Errorf("search: seal the live table: %w", err)
	}
	if _, err := q.ExecContext(ctx, `ALTER TABLE appeal_fts_ent_live RENAME TO `+sealedTable(entBase, n)); err != nil {
		return fmt.Errorf("search: seal the live table of copies: %w", err)
	}
	for _, st := range liveTableSQL {
		if _, err := q.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("search: new live table: %w", err)
		}
	}
	return nil
}

// sealedTable is the name of base's sealed table N (base+"_sealed_N").
func sealedTable(base string, n int) string { return base + "_sealed_" + strconv.Itoa(n) }

// sealedNumber is N of base+"_sealed_N" (not of its shadow tables).
func sealedNumber(base, name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, base+"_sealed_")
	if !ok || rest == "" || strings.TrimLeft(rest, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil
}

// ftsTables lists SQLite's FTS5 tables of appeals, the newest first: the live one, the
// sealed ones from the last sealed, the history's.
func (e *Engine) ftsTables(ctx context.Context) ([]string, error) {
	return e.tables(ctx, "appeal_fts")
}

// tables lists the FTS5 tables of a kind, the newest first: base+"_live", the sealed ones
// (base+"_sealed_N") from the last sealed, base itself — the appeals' ("appeal_fts") or the
// enterprises' copies (entBase, copies.go).
func (e *Engine) tables(ctx context.Context, base string) ([]string, error) {
	rows, err := e.db.RQ(ctx).QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE $1`, base+"_sealed_%")
	if err != nil {
		return nil, fmt.Errorf("search: tables: %w", err)
	}
	defer rows.Close()
	var sealed []int
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		if n, ok := sealedNumber(base, name); ok {
			sealed = append(sealed, n)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.Sort(sealed)
	out := []string{base + "_live"}
	for i := len(sealed) - 1; i >= 0; i-- {
		out = append(out, sealedTable(base, sealed[i]))
	}
	return append(out, base), nil
}

// idRange is the rowids an FTS5 table holds, from lo to hi.
type idRange struct {
	table  string
	lo, hi int64
}

// olderTables are the FTS5 tables other than the live one that hold appeals, with their
// rowids' range.
func (e *Engine) olderTables(ctx context.Context) ([]idRange, error) {
	tables, err := e.ftsTables(ctx)
	if err != nil {
		return nil, err
	}
	var out []idRange
	for _, t := range tables[1:] {
		hi, err := e.newestIn(ctx, t)
		if err != nil {
			return nil, err
		}
		if hi == 0 {
			continue
		}
		lo, err := e.endOf(ctx, t, "ASC")
		if err != nil {
			return nil, err
		}
		out = append(out, idRange{table: t, lo: lo, hi: hi})
	}
	return out, nil
}

// newestIn returns the newest appeal id in one of the FTS5 tables (0 when empty). FTS5
// walks its rowids backwards for ORDER BY … DESC LIMIT 1; MAX(rowid) would read them all.
func (e *Engine) newestIn(ctx context.Context, table string) (int64, error) {
	return e.endOf(ctx, table, "DESC")
}

// endOf returns the first appeal id of an FTS5 table in order (ASC or DESC), 0 when it is
// empty; read in the transaction in ctx, else on the readers.
func (e *Engine) endOf(ctx context.Context, table, order string) (int64, error) {
	var id int64
	err := e.db.RQ(ctx).QueryRowContext(ctx, `SELECT rowid FROM `+table+` ORDER BY rowid `+order+` LIMIT 1`).Scan(&id)
	if db.IsNoRows(err) {
		return 0, nil
	}
	return id, err
}

// FoldLoop folds every FoldEvery until ctx ends, at once again while a fold left pending
// rows behind, and backfills the enterprises' copies between folds while any are missing.
// Errors are logged and retried on the next tick.
func (e *Engine) FoldLoop(ctx context.Context, log *slog.Logger) {
	if e.db.Engine != db.SQLite {
		return
	}
	t := time.NewTicker(FoldEvery)
	defer t.Stop()
	for {
		moved, err := e.Fold(ctx)
		if err != nil && ctx.Err() == nil {
			log.Warn("search fold", "err", err)
		}
		if err == nil && moved == foldBatch {
			if ctx.Err() != nil {
				return
			}
			continue
		}
		// With the pending rows folded, the enterprises' copies of appeals indexed before
		// them are written (copies.go), a batch at a time between folds, until done.
		if err == nil {
			passed, err := e.Backfill(ctx)
			if err != nil && ctx.Err() == nil {
				log.Warn("search backfill", "err", err)
			}
			if err == nil && passed > 0 && ctx.Err() == nil {
				continue
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// withPending adds to hits (from appeal_fts) the pending appeals matching q, and drops
// the FTS5 hits of appeals that are pending again (their indexed text is outdated).
// Pending appeals arrived since the last fold, a fraction of a second ago, and rank first.
func (e *Engine) withPending(ctx context.Context, q Query, hits []Hit, max int) ([]Hit, error) {
	return e.withPendingFrom(ctx, q, hits, max, "appeal_fts_pending p")
}

// withPendingFrom is withPending over the pending rows (p) that from selects: a FROM
// clause whose parameters are written $%d, for fromArgs.
func (e *Engine) withPendingFrom(ctx context.Context, q Query, hits []Hit, max int, from string, fromArgs ...any) ([]Hit, error) {
	var conds []string
	var args []any
	for gi, g := range q.Groups {
		for _, t := range g {
			pat := " " + t + " "
			if q.Prefix[gi] {
				pat = " " + t
			}
			args = append(args, pat)
			conds = append(conds, fmt.Sprintf("instr(p.terms, $%d) > 0", len(args)))
		}
	}
	nums := make([]any, len(fromArgs))
	for i := range fromArgs {
		nums[i] = len(args) + i + 1
	}
	args = append(args, fromArgs...)
	sqlText := `SELECT p.appeal_id, CASE WHEN ` + strings.Join(conds, " AND ") + ` THEN p.terms END FROM ` + fmt.Sprintf(from, nums...)
	pend, err := e.readPending(ctx, sqlText, args)
	if err != nil {
		return nil, err
	}
	if len(pend) == 0 {
		return hits, nil
	}
	top := 0.0
	out := hits[:0]
	for _, h := range hits {
		if _, stale := pend[h.ID]; !stale {
			out = append(out, h)
			top = math.Max(top, h.Score)
		}
	}
	ids := make([]int64, 0, len(pend))
	for id := range pend {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var fresh []Hit
	for _, id := range slices.Backward(ids) {
		terms := pend[id]
		if terms == "" {
			continue
		}
		f := strings.Fields(terms)
		if ok, occ := q.matches(f); ok {
			fresh = append(fresh, Hit{ID: id, Score: top + 1 + relevance(occ, len(f))})
			if len(fresh) == max {
				break
			}
		}
	}
	out = append(fresh, out...)
	if len(out) > max {
		// Keep the fresh ones and the best of the rest: out is not sorted yet, so cut
		// the FTS5 hits, which came newest first, from their oldest end.
		out = out[:max]
	}
	return out, nil
}

// anyPending adds to ids (from appeal_fts, newest first) the pending appeals holding at
// least one of terms, newest first, and drops the outdated FTS5 entries (see withPending).
func (e *Engine) anyPending(ctx context.Context, terms []string, ids []int64, max int) ([]int64, error) {
	if len(terms) == 0 {
		return ids, nil
	}
	var conds []string
	var args []any
	for _, t := range terms {
		args = append(args, " "+t+" ")
		conds = append(conds, fmt.Sprintf("instr(terms, $%d) > 0", len(args)))
	}
	sqlText := `SELECT appeal_id, CASE WHEN ` + strings.Join(conds, " OR ") + ` THEN ' ' END FROM appeal_fts_pending`
	pend, err := e.readPending(ctx, sqlText, args)
	if err != nil {
		return nil, err
	}
	if len(pend) == 0 {
		return ids, nil
	}
	var out []int64
	for id, mark := range pend {
		if mark != "" {
			out = append(out, id)
		}
	}
	slices.SortFunc(out, func(a, b int64) int { return cmp.Compare(b, a) })
	for _, id := range ids {
		if _, stale := pend[id]; !stale {
			out = append(out, id)
		}
	}
	if len(out) > max {
		out = out[:max]
	}
	return out, nil
}

// readPending runs a scan of the pending table that returns every appeal id with either
// its terms (a candidate) or "" (not one).
func (e *Engine) readPending(ctx context.Context, sqlText string, args []any) (map[int64]string, error) {
	rows, err := e.db.RQ(ctx).QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, fmt.Errorf("search: pending: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var terms *string
		if err := rows.Scan(&id, &terms); err != nil {
			return nil, fmt.Errorf("search: pending: %w", err)
		}
		out[id] = ""
		if terms != nil {
			out[id] = *terms
		}
	}
	return out, rows.Err()
}
