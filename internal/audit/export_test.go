package audit

// HashEntry is hashEntry, for tests that write entries as an older binary did.
func HashEntry(e Entry) string { return hashEntry(e) }
