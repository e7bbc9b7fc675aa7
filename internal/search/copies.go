package search

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"yingshang/internal/appeal"
	"yingshang/internal/db"
)

// An enterprise searches its own appeals (appeal.SearchScope: its newest 5,000). Read and
// matched one by one (matchRows), at ten million appeals the bench's enterprise's 4,112
// appeals lie scattered over a 20 GB file: 34–38 ms of CPU a search, 428–685 ms p95 with
// 16 searching at once. Nor does a word's list in the appeals' index help: "which of these
// 4,112 hold 融资" steps through the word's whole list.
//
// So on SQLite the appeals' terms are written a second time, under copyRowid(enterprise,
// id) = enterprise<<32 | id, into FTS5 tables of their own (migration 00022): one
// enterprise's copies are one range of rowids, which FTS5 seeks to in each term's list, and
// its search reads only its own entries (on a synthetic ten-million table 2.7–3.4 ms for
// a common word or a pair; docs/benchmarks.md). No other search reads these tables: copies
// kept in the appeals' own tables made every two-word search walk them first and were
// reverted. They mirror the appeals' tables: appeal_fts_ent is written with appeal_fts (by
// rebuilds and the catch-up), appeal_fts_ent_live with appeal_fts_live by the folder and
// sealed with it (appeal_fts_ent_sealed_N). A database indexed before them gets them from
// Backfill, newest appeals first, and until it is done the appeals below the mark
// (appeal_fts_ent_below) are matched one by one.

const (
	// entBase is the history's table of copies; its live table is entBase+"_live".
	entBase = "appeal_fts_ent"
	putEnt  = `INSERT OR REPLACE INTO appeal_fts_ent (rowid, terms) VALUES ($1, $2)`
	putEntL = `INSERT OR REPLACE INTO appeal_fts_ent_live (rowid, terms) VALUES ($1, $2)`
)

// copyShift places an enterprise's id above the appeal's in a copy's rowid.
const copyShift = 32

// copyBase bounds the appeal ids that get copies.
const copyBase int64 = 1 << copyShift

// maxCopyOrg bounds the enterprise ids that get copies (the rowid stays positive).
const maxCopyOrg int64 = 1<<(62-copyShift) - 1

// copyRowid is the rowid of enterprise org's copy of appeal id's terms (false: none).
func copyRowid(org, id int64) (int64, bool) {
	if org <= 0 || org > maxCopyOrg || id <= 0 || id >= copyBase {
		return 0, false
	}
	return org<<copyShift | id, true
}

// copiesFrom is how many appeals an enterprise has filed before its search reads its
// copies rather than its appeals (a variable so that tests can move it). Matched one by
// one, an appeal costs about 8 µs at ten million appeals (its row read at random); the
// copies cost a statement per table of copies (0.12–2.9 ms for a range on a synthetic
// ten-million table, docs/benchmarks.md).
var copiesFrom = 200

// A copyDoc is an enterprise's copy of an appeal's terms to be written.
type copyDoc struct {
	rowid int64
	terms string
}

// putCopies writes copies with the statement put (putEnt or putEntL) in rowid order, in
// the transaction in ctx: FTS5 keeps a transaction's new terms in memory while the rowids
// rise and writes them out as a segment of their own at every rowid that does not. In id
// order an appeal's copy falls anywhere among the enterprises' ranges: 2,000 copies in
// that order were 2,000 segments, merged over and over.
func (e *Engine) putCopies(ctx context.Context, put string, copies []copyDoc) error {
	slices.SortFunc(copies, func(a, b copyDoc) int { return cmp.Compare(a.rowid, b.rowid) })
	for _, c := range copies {
		if _, err := e.prep.Exec(ctx, put, c.rowid, c.terms); err != nil {
			return fmt.Errorf("search: copy %d: %w", c.rowid, err)
		}
	}
	return nil
}

// copiesBelow reads the mark: appeals with ids below it may lack their copy.
func (e *Engine) copiesBelow(ctx context.Context) (int64, error) {
	var below int64
	if err := e.db.RQ(ctx).QueryRowContext(ctx, `SELECT below FROM appeal_fts_ent_below`).Scan(&below); err != nil {
		return 0, fmt.Errorf("search: copies: %w", err)
	}
	return below, nil
}

// Backfill writes the copies of the appeals just below the mark — up to foldBatch ids —
// into the history's table of copies and lowers the mark past them, in one transaction,
// and reports how many ids it passed (0: nothing left). The terms are made from the texts
// as a rebuild makes them. A no-op on PostgreSQL.
func (e *Engine) Backfill(ctx context.Context) (passed int, err error) {
	if e.db.Engine != db.SQLite {
		return 0, nil
	}
	err = e.db.WithTx(ctx, func(ctx context.Context) error {
		below, err := e.copiesBelow(ctx)
		if err != nil || below <= 1 {
			return err
		}
		lo := max(1, below-int64(foldBatch))
		rows, err := e.db.Q(ctx).QueryContext(ctx, `SELECT id, title, body, reply_text, enterprise_org_id FROM appeals
			WHERE id >= $1 AND id < $2 AND enterprise_org_id IS NOT NULL`, lo, below)
		if err != nil {
			return err
		}
		var copies []copyDoc
		for rows.Next() {
			var id, org int64
			var title, body, reply string
			if err := rows.Scan((*db.Int64)(&id), &title, &body, &reply, (*db.Int64)(&org)); err != nil {
				rows.Close()
				return err
			}
			if rowid, ok := copyRowid(org, id); ok {
				copies = append(copies, copyDoc{rowid, strings.Join(Terms(indexedText(title, body, reply)), " ")})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if err := e.putCopies(ctx, putEnt, copies); err != nil {
			return err
		}
		if _, err := e.db.Q(ctx).ExecContext(ctx, `UPDATE appeal_fts_ent_below SET below = $1`, lo); err != nil {
			return err
		}
		passed = int(below - lo)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("search: backfill: %w", err)
	}
	return passed, nil
}

// indexedText is the text an appeal is indexed by: its title, its body and its reply.
func indexedText(title, body, reply string) string {
	if reply != "" {
		body += "\n\n" + reply
	}
	return title + "\n" + body
}

// matchEnterprise returns enterprise org's appeals among its newest appeal.SearchScopeRows that
// match q, scored, on SQLite: from its copies, its pending appeals and — while Backfill
// is not done — its appeals below the mark one by one (scopeSQL with args names its
// appeals, as for matchRows). An enterprise with fewer than copiesFrom appeals is matched
// one by one.
func (e *Engine) matchEnterprise(ctx context.Context, q Query, org int64, scopeSQL string, args []any) ([]Hit, error) {
	var own int
	var oldest, newest sql.NullInt64
	if err := e.db.RQ(ctx).QueryRowContext(ctx, fmt.Sprintf(`SELECT COUNT(*), MIN(id), MAX(id) FROM
		(SELECT id FROM appeals WHERE enterprise_org_id = $1 ORDER BY id DESC LIMIT %d) s`, appeal.SearchScopeRows), org).Scan(&own, &oldest, &newest); err != nil {
		return nil, fmt.Errorf("search: match: %w", err)
	}
	// Most enterprises file a few appeals a year: reading those costs less than the
	// statements the copies take.
	if own < copiesFrom {
		return e.matchRows(ctx, q, scopeSQL, args)
	}
	below, err := e.copiesBelow(ctx)
	if err != nil {
		return nil, err
	}
	from := max(oldest.Int64, below)
	var hits []Hit
	if from <= newest.Int64 {
		lo, ok := copyRowid(org, from)
		hi, ok2 := copyRowid(org, newest.Int64)
		if !ok || !ok2 {
			return e.matchRows(ctx, q, scopeSQL, args)
		}
		if hits, err = e.copyHits(ctx, q, lo, hi); err != nil {
			return nil, err
		}
		hits, err = e.withPendingFrom(ctx, q, hits, appeal.SearchScopeRows,
			`appeal_fts_pending p JOIN appeals a ON a.id = p.appeal_id WHERE a.enterprise_org_id = $%d AND p.appeal_id BETWEEN $%d AND $%d`, org, from, newest.Int64)
		if err != nil {
			return nil, err
		}
	}
	if oldest.Int64 < below {
		// Not backfilled yet: these are read and matched one by one.
		older, err := e.matchRows(ctx, q, fmt.Sprintf(`SELECT id FROM (%s) o WHERE id < $%d`, scopeSQL, len(args)+1), append(slices.Clip(args), below))
		if err != nil {
			return nil, err
		}
		hits = append(hits, older...)
	}
	rankHits(hits)
	return hits, nil
}

// copyHits returns the copies from rowid lo to hi matching q, as appeals, scored from the
// index as ftsHits scores: every table of copies, the newest first; an appeal answered
// since it was indexed has its current copy in the newest table that holds one (Fold
// deletes the older ones), and the first one read is kept.
func (e *Engine) copyHits(ctx context.Context, q Query, lo, hi int64) ([]Hit, error) {
	tables, err := e.tables(ctx, entBase)
	if err != nil {
		return nil, err
	}
	expr := q.fts5()
	var hits []Hit
	seen := map[int64]bool{}
	for _, t := range tables {
		found, err := e.scoredHits(ctx, nil, 0, `SELECT f.rowid, `+db.FTS5Instances+`(f.`+t+`), d.sz FROM `+t+` f CROSS JOIN `+t+`_docsize d
			WHERE f.`+t+` MATCH $1 AND f.rowid >= $2 AND f.rowid <= $3 AND d.id = f.rowid`, expr, lo, hi)
		if err != nil {
			return nil, err
		}
		for _, h := range found {
			h.ID &= copyBase - 1
			if !seen[h.ID] {
				seen[h.ID] = true
				hits = append(hits, h)
			}
		}
	}
	return hits, nil
}
