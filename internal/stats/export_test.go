package stats

// RankCacheStats is how many rankings reused their sums and how many read them.
func RankCacheStats(s *Service) (hits, misses int64) { return s.sums.stats() }

// SetBatches moves the roll-up's batch bounds (CatchUp) and returns a function that puts
// them back.
func SetBatches(step int64, cells int, events int64) (restore func()) {
	s, c, e := stepEvents, batchCells, batchEvents
	stepEvents, batchCells, batchEvents = step, cells, events
	return func() { stepEvents, batchCells, batchEvents = s, c, e }
}
