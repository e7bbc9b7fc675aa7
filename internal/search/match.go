package search

import (
	"cmp"
	"context"
	"fmt"
	"slices"
)

// pgWindow is how many of the newest appeals PostgreSQL's first look covers (a variable
// so that a test can make it small).
var pgWindow int64 = 200_000

// pgNewest returns up to max appeals matching tsquery, newest first, with their ts_rank
// (0 when rank is false), on PostgreSQL. The planner cannot tell how many appeals a word
// matches (a lexeme missing from its statistics gets a default 0.4 %), so for ORDER BY
// appeal_id DESC LIMIT it walks the primary key backwards and tests every row: right for a
// frequent word, fatal for a word that matches nothing — all ten million rows, 8 s
// (measured at 10,000,000 appeals). So the search looks in two steps: first among the
// newest pgWindow appeals, where walking the key costs at most the window; only if that
// finds fewer than max, through the GIN index among the older ones (materialised, so the
// index is used whatever the estimate), whose matches are then few by construction.
func (e *Engine) pgNewest(ctx context.Context, tsquery string, max int, rank bool) ([]Hit, error) {
	var newest int64
	if err := e.db.RQ(ctx).QueryRowContext(ctx, `SELECT COALESCE(MAX(appeal_id), 0) FROM appeal_search`).Scan(&newest); err != nil {
		return nil, fmt.Errorf("search: match: %w", err)
	}
	score := `0`
	if rank {
		score = `ts_rank(tsv, CAST($1 AS tsquery))`
	}
	floor := newest - pgWindow
	hits, err := e.queryHits(ctx, `SELECT appeal_id, `+score+` FROM appeal_search WHERE appeal_id > $2 AND tsv @@ CAST($1 AS tsquery)`+
		fmt.Sprintf(` ORDER BY appeal_id DESC LIMIT %d`, max), tsquery, floor)
	if err != nil || len(hits) >= max || floor <= 0 {
		return hits, err
	}
	older, err := e.queryHits(ctx, `WITH m AS MATERIALIZED (SELECT appeal_id, tsv FROM appeal_search WHERE appeal_id <= $2 AND tsv @@ CAST($1 AS tsquery))
		SELECT appeal_id, `+score+` FROM m`+fmt.Sprintf(` ORDER BY appeal_id DESC LIMIT %d`, max-len(hits)), tsquery, floor)
	return append(hits, older...), err
}

func (e *Engine) queryHits(ctx context.Context, sqlText string, args ...any) ([]Hit, error) {
	rows, err := e.db.RQ(ctx).QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, fmt.Errorf("search: match: %w", err)
	}
	defer rows.Close()
	var hits []Hit
	for rows.Next() {
		var h Hit
		if err := rows.Scan(&h.ID, &h.Score); err != nil {
			return nil, fmt.Errorf("search: match: %w", err)
		}
		hits = append(hits, h)
	}
	return hits, rows.Err()
}

// ftsHits returns up to max appeals matching expr (FTS5 syntax) on SQLite, newest first,
// from the history's table and the live one (pending.go), with -bm25 as the score when
// rank is set (each table's own statistics).
func (e *Engine) ftsHits(ctx context.Context, expr string, max int, rank bool) ([]Hit, error) {
	var hits []Hit
	for _, t := range []string{"appeal_fts_live", "appeal_fts"} {
		score := `0`
		if rank {
			score = `-bm25(` + t + `)`
		}
		h, err := e.queryHits(ctx, `SELECT rowid, `+score+` FROM `+t+` WHERE `+t+` MATCH $1`+fmt.Sprintf(` ORDER BY rowid DESC LIMIT %d`, max), expr)
		if err != nil {
			return nil, err
		}
		hits = append(hits, h...)
	}
	slices.SortFunc(hits, func(a, b Hit) int { return cmp.Compare(b.ID, a.ID) })
	if len(hits) > max {
		hits = hits[:max]
	}
	return hits, nil
}

// rankHits orders hits best first, the newer first among equals.
func rankHits(hits []Hit) {
	slices.SortStableFunc(hits, func(a, b Hit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
}
