-- +goose Up
-- Enterprises' copies in the SQLite search index (internal/search, copies.go): every FTS5
-- table holds an appeal's terms under its id and, when it has an enterprise, again under
-- enterprise<<32 | id, so that one enterprise's appeals are one range of rowids. The
-- appeals indexed before this migration get their copies from the background backfill,
-- newest first; below is the lowest appeal id from which every copy is written (the
-- search matches the enterprise's older appeals one by one until it reaches 1).
CREATE TABLE appeal_fts_copies_below (below INTEGER NOT NULL);
INSERT INTO appeal_fts_copies_below (below) SELECT COALESCE(MAX(id), 0) + 1 FROM appeals;

-- +goose Down
-- The copies go from the history's and the live table (sealed tables, named at run time,
-- keep theirs; search before this migration does not bound its rowids, so an older
-- binary should rebuild the index).
DELETE FROM appeal_fts WHERE rowid >= 4294967296;
DELETE FROM appeal_fts_live WHERE rowid >= 4294967296;
DROP TABLE appeal_fts_copies_below;
