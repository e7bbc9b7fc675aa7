-- +goose Up
-- An enterprise's copies in SQLite's search index (internal/search, copies.go): FTS5 tables
-- of their own that hold an appeal's terms again under enterprise << 32 | id, so that one
-- enterprise's appeals are one range of rowids and its search reads only its own entries
-- (at ten million appeals an enterprise's 4,000 rows lie scattered over a 20 GB file).
-- appeal_fts_ent takes what bulk rebuilds, the catch-up and the backfill write, like
-- appeal_fts; appeal_fts_ent_live what the folder writes, sealed with appeal_fts_live.
CREATE VIRTUAL TABLE appeal_fts_ent USING fts5(terms, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0');
-- Written as appeal_fts is (migrations 00005 and 00011): merged by the crisis merges of 64
-- segments and compacted after a bulk rebuild, never by the incremental automerge.
INSERT INTO appeal_fts_ent (appeal_fts_ent, rank) VALUES ('crisismerge', 64);
INSERT INTO appeal_fts_ent (appeal_fts_ent, rank) VALUES ('automerge', 0);
CREATE VIRTUAL TABLE appeal_fts_ent_live USING fts5(terms, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0');
INSERT INTO appeal_fts_ent_live (appeal_fts_ent_live, rank) VALUES ('automerge', 16);
-- The appeals indexed before this migration get their copies from the background backfill,
-- newest first: below is the lowest appeal id from which every copy is written (the
-- enterprise's older appeals are matched one by one until it reaches 1).
CREATE TABLE appeal_fts_ent_below (below INTEGER NOT NULL);
INSERT INTO appeal_fts_ent_below (below) SELECT COALESCE(MAX(id), 0) + 1 FROM appeals;

-- +goose Down
-- Sealed tables of copies (appeal_fts_ent_sealed_N, named at run time) stay; no search
-- before this migration reads them.
DROP TABLE appeal_fts_ent_below;
DROP TABLE appeal_fts_ent_live;
DROP TABLE appeal_fts_ent;
