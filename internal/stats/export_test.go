package stats

// RankCacheStats is how many rankings reused their sums and how many read them.
func RankCacheStats(s *Service) (hits, misses int64) { return s.sums.stats() }
