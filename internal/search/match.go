package search

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"yingshang/internal/db"
)

// pgBucket is the size of the id buckets of PostgreSQL's search index (migration 00018:
// each lexeme is indexed prefixed with its appeal's bucket, id / pgBucket).
const pgBucket = 10_000

// pgProbe is how many of the newest appeals PostgreSQL's search first tests row by row,
// and pgWalkShare the share of them holding the query beyond which it walks on instead
// of reading buckets (variables so that tests can move them).
var (
	pgProbe     int64 = 1_000
	pgWalkShare       = 0.05
)

// pgNewest returns up to max appeals matching q (any group instead of every one when
// anyGroup), newest first, with their ts_rank (0 when rank is false), on PostgreSQL.
//
// "The newest max holders of a word" has no index in PostgreSQL: a GIN index gives all
// holders at once (100,000 for a word in 1 % of ten million appeals), a walk down the
// primary key tests every row (~0.8 µs each: 130,000 rows for a word in 0.76 % of them,
// 105 ms). So the search walks the newest pgProbe appeals first, which settles a frequent
// word and measures how frequent it is; a word in more than pgWalkShare of them is walked
// on (rows tested ≈ matches needed / share), any other is read from the bucketed index
// one bucket of 10,000 ids at a time, newest bucket first, doubling the buckets per
// statement so that a rare word needs a handful of statements at any size, up to the
// bound a common word's share sets (pgBucketCap). Every step
// takes the newest rows left, so the hits are exactly the newest max matches.
func (e *Engine) pgNewest(ctx context.Context, q Query, anyGroup bool, max int, rank bool) ([]Hit, error) {
	var newest int64
	if err := e.db.RQ(ctx).QueryRowContext(ctx, `SELECT COALESCE(MAX(appeal_id), 0) FROM appeal_search`).Scan(&newest); err != nil {
		return nil, fmt.Errorf("search: match: %w", err)
	}
	tsq := q.tsquery()
	if anyGroup {
		tsq = strings.ReplaceAll(tsq, " & ", " | ")
	}
	score := func(p string) string {
		if rank {
			return `ts_rank(tsv, CAST(` + p + ` AS tsquery))`
		}
		return `0`
	}
	walk := func(lo, hi int64, n int) ([]Hit, error) {
		return e.queryHits(ctx, `SELECT appeal_id, `+score("$1")+` FROM appeal_search
			WHERE appeal_id > $2 AND appeal_id <= $3 AND tsv @@ CAST($1 AS tsquery)`+fmt.Sprintf(` ORDER BY appeal_id DESC LIMIT %d`, n), tsq, lo, hi)
	}
	upper := newest - pgProbe
	hits, err := walk(upper, newest, max)
	if err != nil || len(hits) >= max || upper <= 0 {
		return hits, err
	}
	if share := float64(len(hits)) / float64(pgProbe); share >= pgWalkShare {
		span := int64(2 * float64(max-len(hits)) / share)
		more, err := walk(upper-span, upper, max-len(hits))
		if hits = append(hits, more...); err != nil || len(hits) >= max || upper-span <= 0 {
			return hits, err
		}
		upper -= span
	}
	bound := e.pgBucketCap(ctx, q, anyGroup, max-len(hits))
	// The bucketed index holds the terms alone: a phrase (a group of several terms) is
	// tested against the text's tsvector too; without one a row the index gives matches.
	// The holders are ranked where they are read and only their ids and ranks sorted — the
	// tsvectors carried through the sort and tested again had been half of the statement
	// (政策's bucket of 3,311 holders at 200,000 appeals: 6.5 → 3.2 ms).
	recheck := ""
	if slices.ContainsFunc(q.Groups, func(g []string) bool { return len(g) > 1 }) {
		recheck = ` AND tsv @@ CAST($3 AS tsquery)`
	}
	for k, n := upper/pgBucket, int64(1); k >= 0 && len(hits) < max; n *= 2 {
		step := n
		if bound > 0 {
			step = min(n, bound)
		}
		lo := k - step + 1
		if lo < 0 {
			lo = 0
		}
		args := []any{q.bucketed(anyGroup, lo, k), upper}
		if rank || recheck != "" {
			args = append(args, tsq)
		}
		more, err := e.queryHits(ctx, `WITH m AS MATERIALIZED (SELECT appeal_id, `+score("$3")+` AS r FROM appeal_search
			WHERE appeal_search_bucketed(appeal_id, tsv) @@ ANY(CAST(CAST($1 AS text[]) AS tsquery[]))`+recheck+`)
			SELECT appeal_id, r FROM m WHERE appeal_id <= $2`+fmt.Sprintf(` ORDER BY appeal_id DESC LIMIT %d`, max-len(hits)), args...)
		if err != nil {
			return hits, err
		}
		hits = append(hits, more...)
		k = lo - 1
	}
	return hits, nil
}

// pgFreqs is PostgreSQL's estimate of the share of indexed appeals holding each of its
// most common terms: the most_common_elems of appeal_search.tsv in pg_stats, which
// ANALYZE (and autovacuum) keep. Read at most every pgFreqsTTL.
type pgFreqs struct {
	mu sync.Mutex
	at time.Time
	m  map[string]float64
}

const pgFreqsTTL = 10 * time.Minute

// pgTermFreqs returns the most common terms' shares (none before the table's first
// ANALYZE; when they cannot be read, the last ones read, and the next search tries
// again: the search then steps as without them). The read is the engine's, not the
// request's: a search its client gave up must not leave every other without them.
func (e *Engine) pgTermFreqs(ctx context.Context) map[string]float64 {
	f := &e.freqs
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m != nil && time.Since(f.at) < pgFreqsTTL {
		return f.m
	}
	ctx = context.WithoutCancel(ctx)
	rows, err := e.db.RQ(ctx).QueryContext(ctx, `SELECT u.e, u.f FROM pg_stats s,
		unnest(CAST(CAST(s.most_common_elems AS text) AS text[]), s.most_common_elem_freqs) AS u(e, f)
		WHERE s.schemaname = current_schema() AND s.tablename = 'appeal_search' AND s.attname = 'tsv' AND u.e IS NOT NULL`)
	if err != nil {
		return f.m
	}
	defer rows.Close()
	m := map[string]float64{}
	for rows.Next() {
		var t string
		var share float64
		if err := rows.Scan(&t, &share); err != nil {
			return f.m
		}
		m[t] = share
	}
	if rows.Err() != nil {
		return f.m
	}
	f.m, f.at = m, time.Now()
	return f.m
}

// pgBucketCap bounds the buckets one statement of pgNewest reads for q, which needs need
// more appeals: as many as should hold twice that by the share of its rarest term, when
// every term is among the most common (pgTermFreqs); 0 (no bound) otherwise, and for a
// query any of whose groups will do. The buckets per statement double while none is
// found, which suits a rare word; a word common in the history but absent from the
// newest appeals (45,000 of them alike after a burst) had the step reach 8 buckets with
// 23,054 holders, all read and sorted for 1,000 (61.6 ms of a 64 ms search at a million).
func (e *Engine) pgBucketCap(ctx context.Context, q Query, anyGroup bool, need int) int64 {
	if anyGroup || need <= 0 {
		return 0
	}
	freqs := e.pgTermFreqs(ctx)
	share, known := 1.0, false
	for gi, g := range q.Groups {
		if q.Prefix[gi] {
			continue // a prefix's holders are not counted by the statistics
		}
		for _, t := range g {
			f, ok := freqs[t]
			if !ok || f <= 0 {
				return 0 // rarer than the statistics list: a rare word
			}
			share, known = min(share, f), true
		}
	}
	if !known {
		return 0
	}
	return max(1, int64(math.Ceil(2*float64(need)/(share*pgBucket))))
}

// queryHits runs a step of pgNewest. Its statements keep their plans (RQGeneric): a walk
// reads the primary key's range, a bucket statement the bucketed index (behind the
// MATERIALIZED fence, where the newest id bound cannot reach to AND the bucket's bitmap
// with the whole key's range, as a plan made without the values did: 218,741 entries
// read at 200,000 appeals), and planning them with their values cost about as much as
// running them — a pair of words found nowhere at a million appeals, 9 statements,
// 3.7 ms of planning.
func (e *Engine) queryHits(ctx context.Context, sqlText string, args ...any) ([]Hit, error) {
	rows, err := e.db.RQGeneric(ctx).QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, fmt.Errorf("search: match: %w", err)
	}
	defer rows.Close()
	var hits []Hit
	for rows.Next() {
		var h Hit
		if err := rows.Scan((*db.Int64)(&h.ID), (*db.Float64)(&h.Score)); err != nil {
			return nil, fmt.Errorf("search: match: %w", err)
		}
		hits = append(hits, h)
	}
	return hits, rows.Err()
}

// ftsHits returns up to max appeals matching expr (FTS5 syntax) on SQLite, newest first,
// from the history's table and the live one (pending.go); with score, each with its score
// read from the index — the query's occurrences in the row (db.FTS5Instances) over the
// square root of the row's terms (FTS5's row size, from the table's docsize shadow table),
// what scorer gives from the texts, without reading them: 1,000 candidates' texts were two
// thirds of a search's CPU at a million appeals. The row sizes are joined in the statement
// (CROSS JOIN keeps the match the outer loop, in its order): asked for row by row
// (xColumnSize, one lookup statement each) they were half a search's CPU at 16 concurrent
// clients. FTS5's bm25() counts the documents holding each phrase across the whole index
// for its IDF, on every query — 90 % of a search's time at ten million appeals (a frequent
// word: 137 ms with bm25, 1.5 ms without).
func (e *Engine) ftsHits(ctx context.Context, expr string, max int, score bool) (hits []Hit, err error) {
	tables, err := e.ftsTables(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		// Once max are found, a table whose newest appeal is older than the max-th cannot
		// add one: a word common enough to fill max from the live table reads no other.
		if len(hits) >= max {
			slices.SortFunc(hits, func(a, b Hit) int { return cmp.Compare(b.ID, a.ID) })
			hits = hits[:max]
			newest, err := e.newestIn(ctx, t)
			if err != nil {
				return nil, fmt.Errorf("search: match: %w", err)
			}
			if newest < hits[max-1].ID {
				continue
			}
		}
		sqlText := `SELECT f.rowid, 0, NULL FROM ` + t + ` f WHERE f.` + t + ` MATCH $1`
		if score {
			sqlText = `SELECT f.rowid, ` + db.FTS5Instances + `(f.` + t + `), d.sz FROM ` + t + ` f CROSS JOIN ` + t + `_docsize d
				WHERE f.` + t + ` MATCH $1 AND d.id = f.rowid`
		}
		if hits, err = e.scoredHits(ctx, hits, max, sqlText+fmt.Sprintf(` ORDER BY f.rowid DESC LIMIT %d`, max), expr); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(hits, func(a, b Hit) int { return cmp.Compare(b.ID, a.ID) })
	if len(hits) > max {
		hits = hits[:max]
	}
	return hits, nil
}

// scoredHits appends to hits the rows of an appeal id, the query's occurrences in it and
// its FTS5 row size (a varint per column; NULL: no score), scored with the occurrences
// over the square root of the size; room for max is made at once (a search's hits and
// the texts it read were most of what it allocated).
func (e *Engine) scoredHits(ctx context.Context, hits []Hit, max int, sqlText string, args ...any) ([]Hit, error) {
	rows, err := e.db.RQ(ctx).QueryContext(ctx, sqlText, args...)
	if err != nil {
		return hits, fmt.Errorf("search: match: %w", err)
	}
	defer rows.Close()
	hits = slices.Grow(hits, max)
	var id, occ int64
	var size sql.RawBytes // read before the next row, not kept
	for rows.Next() {
		if err := rows.Scan((*db.Int64)(&id), (*db.Int64)(&occ), &size); err != nil {
			return hits, fmt.Errorf("search: match: %w", err)
		}
		hits = append(hits, Hit{ID: id, Score: relevance(int(occ), int(fts5Varint(size)))})
	}
	return hits, rows.Err()
}

// fts5Varint is the first varint of b as FTS5 writes them (SQLite's: big-endian groups of
// seven bits, the high bit set on every byte but the last; a ninth byte gives all eight
// of its bits), 0 for none.
func fts5Varint(b []byte) uint64 {
	var v uint64
	for i, c := range b {
		if i == 8 {
			return v<<8 | uint64(c)
		}
		v = v<<7 | uint64(c&0x7f)
		if c < 0x80 {
			return v
		}
	}
	return 0
}

// scoreRows reads the titles, bodies and replies of the appeals whose ids are in (a
// subquery with args) and gives each one's match and score to f; with filter, only of
// those the database finds could match (prefilter).
func (e *Engine) scoreRows(ctx context.Context, sc scorer, in string, args []any, filter bool, f func(id int64, ok bool, score float64)) error {
	cond := ""
	if filter {
		cond, args = sc.prefilter(e.db.Engine, args)
	}
	rows, err := e.db.RQ(ctx).QueryContext(ctx, `SELECT id, title, body, reply_text FROM appeals WHERE id IN (`+in+`)`+cond, args...)
	if err != nil {
		return fmt.Errorf("search: score: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var title, body, reply string
		if err := rows.Scan((*db.Int64)(&id), &title, &body, &reply); err != nil {
			return fmt.Errorf("search: score: %w", err)
		}
		ok, score := sc.score(title, body, reply)
		f(id, ok, score)
	}
	return rows.Err()
}

// A scorer matches one query against appeals' texts (title, body and reply, as indexed)
// and scores each: occurrences of the words over the square root of the text's length in
// terms. The words a text can be searched for directly are worked out once.
type scorer struct {
	q       Query
	phrases [][]bigram // directPhrases; nil: cut each text into terms
	words   []string   // the phrases as words when each is one bigram, or nil
}

func newScorer(q Query) scorer {
	phrases := q.directPhrases()
	return scorer{q: q, phrases: phrases, words: wordsOf(phrases)}
}

// prefilter is a condition every appeal the scorer can match meets, for the database to
// test before the texts come to Go (with args, the statement's arguments followed by its
// own): each of the query's two-character words and each bigram of its phrases stands in
// the title, the body or the reply as it is — a bigram term is two Han characters
// standing together in one of them. An enterprise's search reads all its own appeals
// (ScopeRows), and few of them hold the words. Empty for other queries.
func (s scorer) prefilter(eng db.Engine, args []any) (string, []any) {
	if s.phrases == nil {
		return "", args
	}
	has := "instr(%s, $%d) > 0"
	if eng == db.Postgres {
		has = "strpos(%s, $%d) > 0"
	}
	var b strings.Builder
	seen := map[bigram]bool{}
	args = slices.Clone(args)
	for _, p := range s.phrases {
		for _, bg := range p {
			if seen[bg] {
				continue
			}
			seen[bg] = true
			args = append(args, string(bg[:]))
			n := len(args)
			fmt.Fprintf(&b, " AND ("+has+" OR "+has+" OR "+has+")", "title", n, "body", n, "reply_text", n)
		}
	}
	return b.String(), args
}

func (s scorer) score(title, body, reply string) (bool, float64) {
	ok, occ, n := false, 0, -1
	switch {
	case s.words != nil:
		// Words of two Han characters never span the line breaks that join the three
		// texts, so the parts are counted one by one, without joining them.
		ok, occ, n = matchWordsIn(s.words, title, body, reply)
	case s.phrases != nil:
		ok, occ, n = matchPhrasesIn(s.phrases, title, body, reply)
	}
	if n < 0 {
		terms := Terms(indexedText(title, body, reply))
		ok, occ = s.q.matches(terms)
		n = len(terms)
	}
	if !ok || n == 0 {
		return ok, 0
	}
	return true, relevance(occ, n)
}

// relevance is the search's score of a text holding the query occ times among its n
// terms (0 for no terms): the same whether the texts, the pending terms or the index give
// the counts.
func relevance(occ, n int) float64 {
	if n <= 0 {
		return 0
	}
	return float64(occ) / math.Sqrt(float64(n))
}

// rankHits orders hits best first, the newer first among equals. The order is total
// (an appeal is one hit), so the sort need not be stable: 1,000 hits in 71–76 µs stable,
// 31–34 µs not.
func rankHits(hits []Hit) {
	slices.SortFunc(hits, func(a, b Hit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
}
