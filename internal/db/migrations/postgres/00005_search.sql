-- +goose Up
-- Full-text index of appeals (internal/search): the text is indexed as its CJK bigram
-- terms (search.Terms) with their positions, written as tsvector input (no parser, no
-- dictionary: the same terms as SQLite's FTS5 index).
CREATE TABLE appeal_search (
    appeal_id BIGINT   PRIMARY KEY REFERENCES appeals(id) ON DELETE CASCADE,
    tsv       tsvector NOT NULL
);
CREATE INDEX appeal_search_tsv ON appeal_search USING gin (tsv);

-- +goose Down
DROP TABLE appeal_search;
