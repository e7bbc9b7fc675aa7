package search

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"time"

	"yingshang/internal/db"
)

// On SQLite an FTS5 table keeps every transaction's terms as a segment of its own and
// merges segments as they pile up — inside whichever transaction writes next. Fed from
// every intake, that put the merge of a million-appeal index into one intake in twenty
// (measured: p95 ~7 s at 1,000,000 appeals). So intake writes its terms to the plain
// appeal_fts_pending table instead (one B-tree row), and Fold, run by a background loop,
// moves them in batches into appeal_fts_live, a small FTS5 table whose own merges stay
// short; the bulk-built history in appeal_fts is never merged from here (docs/search.md).
// Search reads all three: the pending rows are few (what arrived since the last fold) and
// are matched with instr() and confirmed in Go, and a pending row overrides the appeal's
// older FTS5 entry (a reply re-indexes the appeal).

const (
	// foldBatch is how many pending appeals one Fold transaction moves.
	foldBatch = 2000
	// FoldEvery is how often the background loop folds.
	FoldEvery = 250 * time.Millisecond
)

// Fold moves up to foldBatch pending appeals into the live FTS5 table in one transaction
// and reports how many it moved. A no-op on PostgreSQL, whose GIN index has its own
// pending list.
func (e *Engine) Fold(ctx context.Context) (moved int, err error) {
	if e.db.Engine != db.SQLite {
		return 0, nil
	}
	err = e.db.WithTx(ctx, func(ctx context.Context) error {
		rows, err := e.db.Q(ctx).QueryContext(ctx, `SELECT appeal_id, terms FROM appeal_fts_pending ORDER BY appeal_id LIMIT $1`, foldBatch)
		if err != nil {
			return err
		}
		type doc struct {
			id    int64
			terms string
		}
		var docs []doc
		for rows.Next() {
			var d doc
			if err := rows.Scan(&d.id, &d.terms); err != nil {
				rows.Close()
				return err
			}
			docs = append(docs, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// The history's entry of an appeal answered since goes: the live one replaces it.
		var bulkMax int64
		if len(docs) > 0 {
			if bulkMax, err = e.newestIn(ctx, "appeal_fts"); err != nil {
				return err
			}
		}
		for _, d := range docs {
			if d.id <= bulkMax {
				if _, err := e.db.Q(ctx).ExecContext(ctx, `DELETE FROM appeal_fts WHERE rowid = $1`, d.id); err != nil {
					return err
				}
			}
			if _, err := e.prep.Exec(ctx, putLive, d.id, strings.TrimSpace(d.terms)); err != nil {
				return err
			}
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

// newestIn returns the newest appeal id in one of the FTS5 tables (0 when empty). FTS5
// walks its rowids backwards for ORDER BY … DESC LIMIT 1; MAX(rowid) would read them all.
func (e *Engine) newestIn(ctx context.Context, table string) (int64, error) {
	var id int64
	err := e.db.Q(ctx).QueryRowContext(ctx, `SELECT rowid FROM `+table+` ORDER BY rowid DESC LIMIT 1`).Scan(&id)
	if db.IsNoRows(err) {
		return 0, nil
	}
	return id, err
}

// FoldLoop folds every FoldEvery until ctx ends, at once again while a fold left pending
// rows behind. Errors are logged and retried on the next tick.
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
	var conds []string
	var args []any
	for gi, g := range q.Groups {
		for _, t := range g {
			pat := " " + t + " "
			if q.Prefix[gi] {
				pat = " " + t
			}
			args = append(args, pat)
			conds = append(conds, fmt.Sprintf("instr(terms, $%d) > 0", len(args)))
		}
	}
	sqlText := `SELECT appeal_id, CASE WHEN ` + strings.Join(conds, " AND ") + ` THEN terms END FROM appeal_fts_pending`
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
