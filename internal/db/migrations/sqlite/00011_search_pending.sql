-- +goose Up
-- Appeals waiting to enter the FTS5 index (internal/search, Engine.Fold). Intake writes an
-- appeal's terms here, in its own transaction: one B-tree row, no FTS5 segment. Writing
-- FTS5 from every intake made one segment per transaction, and merging them ran inside
-- whichever intake came next: at 1,000,000 appeals one intake in twenty waited ~7 s.
-- A background folder moves the rows into appeal_fts in batches and merges the index in
-- bounded steps of their own; search reads appeal_fts and this table together.
-- terms is the space-separated term list with a space at each end (so instr() finds
-- ' term ' and ' prefix').
CREATE TABLE appeal_fts_pending (
	appeal_id INTEGER PRIMARY KEY,
	terms     TEXT NOT NULL
);
-- Merges run only when the folder asks for them ('merge' steps); the crisis bound stays
-- as the backstop should the folder fall behind.
INSERT INTO appeal_fts (appeal_fts, rank) VALUES ('automerge', 0);

-- +goose Down
INSERT INTO appeal_fts (appeal_fts, rank) VALUES ('automerge', 4);
INSERT OR REPLACE INTO appeal_fts (rowid, terms) SELECT appeal_id, trim(terms) FROM appeal_fts_pending;
DROP TABLE appeal_fts_pending;
