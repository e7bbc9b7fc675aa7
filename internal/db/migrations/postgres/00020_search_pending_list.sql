-- +goose Up
-- The search index's pending list at most 256 kB (PostgreSQL's default: 4 MB). A GIN index
-- keeps new entries in an unordered pending list until it is full, and every search reads
-- the whole list. At 200,000 appeals after 3,000 API intakes the list held ~380 pages and
-- the bench's 20 words at 16 concurrent ran at 127–131 searches/s (p95 212–214 ms); with
-- this limit (~21 pages) 183–204/s (p95 143–156 ms). With intake and search side by side
-- (the list at 190–317 pages against 24–30): searches 82–90 → 112–114/s, intakes beside
-- them 73–82 → 98–99/s. Intake alone unchanged within the machine's noise
-- (docs/benchmarks.md, "PostgreSQL: the search index's pending list").
ALTER INDEX appeal_search_bucketed SET (gin_pending_list_limit = 256);

-- +goose Down
ALTER INDEX appeal_search_bucketed RESET (gin_pending_list_limit);
