-- +goose Up
-- The live search table (00014) holds every appeal filed or answered since the history was
-- last bulk-imported: in a deployment fed by intake alone, all of them. FTS5 merges its
-- segments four at a time by default (automerge), inside the transaction that flushes new
-- terms — on SQLite the single writer's turn —, and the deletes and trims of the merged
-- segments grow with the table: at ten million appeals with about a million in this table,
-- a third of the server's CPU under a steady intake went to them. Sixteen at a time rewrites
-- each term's entries half as often (log16 against log4 levels): API intake there 2,128–2,263
-- → 3,378–3,694 appeals/s, the bench's twenty words searched as fast (docs/benchmarks.md).
INSERT INTO appeal_fts_live (appeal_fts_live, rank) VALUES ('automerge', 16);

-- +goose Down
INSERT INTO appeal_fts_live (appeal_fts_live, rank) VALUES ('automerge', 4);
