package db

// BulkCacheMB is the writer's page cache during a bulk load and during the search index's
// rebuild after it (BulkWriter). A rebuild had an eighth of the memory available, up to
// 2 GB, for a while: at ten million appeals it indexed 10,841,973 appeals and their
// enterprises' copies in 850.3 s with 2 GB against 874.7 s with 512 MB, the same file one
// run after the other (docs/benchmarks.md, 2026-11-28) — 3 % for 3.7 GB more resident
// memory (SQLite's pages take 8 KB blocks of modernc's allocator). The 2 GB had been
// measured while FTS5's deletes of merged segments still scanned the whole index
// (FixFTSStats), which a larger cache partly absorbed.
const BulkCacheMB = 512
