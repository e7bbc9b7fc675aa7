package search

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"yingshang/internal/db"
)

// An enterprise searches its own appeals. On SQLite those were read and matched one by
// one (matchRows): at ten million appeals the biggest enterprise's 4,112 appeals lie
// scattered over a 20 GB file, and reading them was 34–38 ms of CPU a search, 428–685 ms
// p95 with 16 searching at once. A word's doclist does not help either: "which of these
// 4,112 hold 融资" steps through the word's whole list (18–25 ms for a word in one appeal
// in nine, measured on a synthetic ten-million index; docs/benchmarks.md).
//
// So every SQLite FTS5 table holds, beside an appeal's terms under its own id, a copy of
// them under copyRowid(enterprise, id) = enterprise<<32 | id: one enterprise's copies are
// one range of rowids, which FTS5 seeks to in each term's doclist, and an enterprise's
// search reads only its own entries. Appeal ids stay below copyBase, so the other searches
// bound their rowids there. The copies are written where the terms are (Fold, rebuild);
// a database indexed before them gets them from Backfill, newest appeals first, and until
// it is done the appeals below the mark (appeal_fts_copies_below) are matched one by one.

// copyShift places an enterprise's id above the appeal's in a copy's rowid.
const copyShift = 32

// copyBase bounds the appeal ids; every copy's rowid is at least this.
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
// copies cost a statement per FTS5 table and the stepping within them, 0.5–1 ms.
var copiesFrom = 200

// copiesBelow reads the mark: appeals with ids below it may lack their copy.
func (e *Engine) copiesBelow(ctx context.Context) (int64, error) {
	var below int64
	if err := e.db.RQ(ctx).QueryRowContext(ctx, `SELECT below FROM appeal_fts_copies_below`).Scan(&below); err != nil {
		return 0, fmt.Errorf("search: copies: %w", err)
	}
	return below, nil
}

// Backfill writes the copies of the appeals just below the mark — up to foldBatch ids —
// into the live table and lowers the mark past them, in one transaction, and reports how
// many ids it passed (0: nothing left). The terms are made from the texts as a rebuild
// makes them. A no-op on PostgreSQL.
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
		docs, err := e.readDocs(ctx, `SELECT id, title, body, reply_text, enterprise_org_id FROM appeals
			WHERE id >= $1 AND id < $2 AND enterprise_org_id IS NOT NULL ORDER BY id`, []any{lo, below},
			func(rows *sql.Rows, d *indexDoc) error {
				var title, body, reply string
				if err := rows.Scan((*db.Int64)(&d.id), &title, &body, &reply, (*db.Int64)(&d.org)); err != nil {
					return err
				}
				d.terms = strings.Join(Terms(indexedText(title, body, reply)), " ")
				return nil
			})
		if err != nil {
			return err
		}
		var copies []copyDoc
		for _, d := range docs {
			if rowid, ok := copyRowid(d.org, d.id); ok {
				copies = append(copies, copyDoc{rowid, d.terms})
			}
		}
		if err := e.putCopies(ctx, putLive, copies); err != nil {
			return err
		}
		if err := e.sealLive(ctx, len(docs)); err != nil {
			return err
		}
		if _, err := e.db.Q(ctx).ExecContext(ctx, `UPDATE appeal_fts_copies_below SET below = $1`, lo); err != nil {
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

// An indexDoc is an appeal's terms with its enterprise (0: none), to be written to FTS5.
type indexDoc struct {
	id, org int64
	terms   string
}

// readDocs reads the documents a statement of the transaction in ctx selects, each row
// made one by scan.
func (e *Engine) readDocs(ctx context.Context, sqlText string, args []any, scan func(*sql.Rows, *indexDoc) error) ([]indexDoc, error) {
	rows, err := e.db.Q(ctx).QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var docs []indexDoc
	for rows.Next() {
		var d indexDoc
		if err := scan(rows, &d); err != nil {
			return nil, err
		}
		docs = append(docs, d)
	}
	return docs, rows.Err()
}

// A copyDoc is an enterprise's copy of an appeal's terms (copyRowid) to be written.
type copyDoc struct {
	rowid int64
	terms string
}

// putCopies writes copies with the statement put (putLive or putFTS) in rowid order, in
// the transaction in ctx: FTS5 keeps a transaction's new terms in memory while the rowids
// rise, and writes them out as a segment of their own at every rowid that does not. In id
// order an appeal's copy falls anywhere among the enterprises' ranges, and a backfill of
// 2,000 copies in that order wrote 2,000 segments and merged them over and over (about
// 250 copies a second at 200,000 appeals).
func (e *Engine) putCopies(ctx context.Context, put string, copies []copyDoc) error {
	slices.SortFunc(copies, func(a, b copyDoc) int { return cmp.Compare(a.rowid, b.rowid) })
	for _, c := range copies {
		if _, err := e.prep.Exec(ctx, put, c.rowid, c.terms); err != nil {
			return fmt.Errorf("search: copy %d: %w", c.rowid, err)
		}
	}
	return nil
}

// indexedText is the text an appeal is indexed by: its title, its body and its reply.
func indexedText(title, body, reply string) string {
	if reply != "" {
		body += "\n\n" + reply
	}
	return title + "\n" + body
}

// matchEnterprise returns the newest MaxCandidates appeals of enterprise org matching q,
// scored, on SQLite: from the enterprise's copies in the FTS5 tables and its pending
// appeals, and — while Backfill is not done — its appeals below the mark one by one
// (scopeSQL with args names them, as for matchRows).
func (e *Engine) matchEnterprise(ctx context.Context, q Query, org int64, scopeSQL string, args []any) ([]Hit, error) {
	// Most enterprises file a few appeals a year: reading those is cheaper than the
	// statements the copies take (one per FTS5 table).
	var own int
	if err := e.db.RQ(ctx).QueryRowContext(ctx, fmt.Sprintf(`SELECT COUNT(*) FROM (SELECT 1 FROM appeals WHERE enterprise_org_id = $1 LIMIT %d) s`, copiesFrom), org).Scan(&own); err != nil {
		return nil, fmt.Errorf("search: match: %w", err)
	}
	if own < copiesFrom {
		return e.matchRows(ctx, q, scopeSQL, args)
	}
	below, err := e.copiesBelow(ctx)
	if err != nil {
		return nil, err
	}
	lo, ok := copyRowid(org, max(below, 1))
	if !ok {
		return e.matchRows(ctx, q, scopeSQL, args)
	}
	hi := org<<copyShift | (copyBase - 1)
	tables, err := e.ftsTables(ctx)
	if err != nil {
		return nil, err
	}
	var hits []Hit
	seen := map[int64]bool{}
	expr := q.fts5()
	for _, t := range tables {
		// The newest table first: an appeal answered since it was indexed may have an
		// outdated copy in an older table (Fold deletes the older copy only from the table
		// its terms were in); the first one read is the current one.
		found, err := e.scoredHits(ctx, nil, MaxCandidates, `SELECT f.rowid, `+db.FTS5Instances+`(f.`+t+`), d.sz FROM `+t+` f CROSS JOIN `+t+`_docsize d
			WHERE f.`+t+` MATCH $1 AND f.rowid >= $2 AND f.rowid <= $3 AND d.id = f.rowid ORDER BY f.rowid DESC`+fmt.Sprintf(` LIMIT %d`, MaxCandidates), expr, lo, hi)
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
	slices.SortFunc(hits, func(a, b Hit) int { return cmp.Compare(b.ID, a.ID) })
	if len(hits) > MaxCandidates {
		hits = hits[:MaxCandidates]
	}
	hits, err = e.withPendingFrom(ctx, q, hits, MaxCandidates,
		`appeal_fts_pending p JOIN appeals a ON a.id = p.appeal_id WHERE a.enterprise_org_id = $%d AND p.appeal_id >= $%d`, org, below)
	if err != nil {
		return nil, err
	}
	if below > 1 {
		n := len(args)
		older, err := e.matchRows(ctx, q, fmt.Sprintf(`SELECT id FROM (%s) o WHERE id < $%d`, scopeSQL, n+1), append(slices.Clip(args), below))
		if err != nil {
			return nil, err
		}
		hits = append(hits, older...)
	}
	rankHits(hits)
	return hits, nil
}
