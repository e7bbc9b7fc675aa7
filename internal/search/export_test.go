package search

// SetPGWindow makes PostgreSQL's first look cover only the newest n appeals, so that
// tests reach the second step (pgNewest); it returns the restore.
func SetPGWindow(n int64) func() {
	old := pgWindow
	pgWindow = n
	return func() { pgWindow = old }
}
