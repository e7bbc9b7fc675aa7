package search

import "context"

// SetPGProbe makes PostgreSQL's search walk only the newest n appeals first and walk on
// only for a query held by share of them, so that tests reach the bucketed index
// (pgNewest); it returns the restore.
func SetPGProbe(n int64, share float64) func() {
	p, w := pgProbe, pgWalkShare
	pgProbe, pgWalkShare = n, share
	return func() { pgProbe, pgWalkShare = p, w }
}

// SetRebuild sets a rebuild's batch and the size of a run after which it compacts; it
// returns the restore.
func SetRebuild(batch, after int) func() {
	b, a := bulkBatch, compactAfter
	bulkBatch, compactAfter = batch, after
	return func() { bulkBatch, compactAfter = b, a }
}

// Any is the engine's any: the newest max appeals holding at least one of terms.
func Any(ctx context.Context, e *Engine, terms []string, max int) ([]int64, error) {
	return e.any(ctx, terms, max)
}

// TextScore is the score the scorer gives query q over an appeal's texts (title, body,
// reply), as the pending appeals and an enterprise's own rows are scored.
func TextScore(q, title, body, reply string) (bool, float64) {
	return newScorer(ParseQuery(q)).score(title, body, reply)
}

// CompactSteps merges the SQLite index in steps of pages leaf pages (compactSteps) and
// returns how many steps merged something.
func CompactSteps(ctx context.Context, e *Engine, pages int) (int, error) {
	p := mergePages
	mergePages = pages
	defer func() { mergePages = p }()
	return e.compactSteps(ctx, "appeal_fts")
}

// PGBucketCap is the bound on the buckets one statement of PostgreSQL's search reads for
// query q needing need appeals (0: none).
func PGBucketCap(ctx context.Context, e *Engine, q string, need int) int64 {
	return e.pgBucketCap(ctx, ParseQuery(q), false, need)
}

// ForgetPGFreqs drops the engine's copy of PostgreSQL's term statistics (pgTermFreqs), so
// that the next search reads them again.
func ForgetPGFreqs(e *Engine) {
	e.freqs.mu.Lock()
	e.freqs.m = nil
	e.freqs.mu.Unlock()
}

// SetSeal seals SQLite's live table once it holds at appeals and folds batch appeals a
// transaction; it returns the restore.
func SetSeal(at int64, batch int) func() {
	a, b := sealAt, foldBatch
	sealAt, foldBatch = at, batch
	return func() { sealAt, foldBatch = a, b }
}

// SetCopiesFrom makes an enterprise's search read its copies from n appeals on; it
// returns the restore.
func SetCopiesFrom(n int) func() {
	c := copiesFrom
	copiesFrom = n
	return func() { copiesFrom = c }
}
