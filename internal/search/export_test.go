package search

// SetPGWindow makes PostgreSQL's first look cover only the newest n appeals, so that
// tests reach the second step (pgNewest); it returns the restore.
func SetPGWindow(n int64) func() {
	old := pgWindow
	pgWindow = n
	return func() { pgWindow = old }
}

// SetRebuild sets a rebuild's batch, the size of a run after which it compacts and the
// largest index it compacts; it returns the restore.
func SetRebuild(batch, after int, max int64) func() {
	b, a, m := bulkBatch, compactAfter, compactMax
	bulkBatch, compactAfter, compactMax = batch, after, max
	return func() { bulkBatch, compactAfter, compactMax = b, a, m }
}
