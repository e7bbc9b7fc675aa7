-- +goose Up
-- The live part of the SQLite search index (internal/search, pending.go): appeals filed or
-- answered since the history was imported are folded here, the bulk-imported history stays
-- in appeal_fts. FTS5 merges are not bounded by their page count: one 'merge' step of 256
-- pages took 28 s on a ten-million-appeal index, holding SQLite's only writer, because a
-- common term's whole doclist is merged at once. This table stays small, so its own merges
-- (FTS5's defaults) stay short; the large one is only written by bulk rebuilds.
CREATE VIRTUAL TABLE appeal_fts_live USING fts5(terms, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0');

-- +goose Down
DROP TABLE appeal_fts_live;
