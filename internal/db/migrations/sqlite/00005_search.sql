-- +goose Up
-- Full-text index of appeals (internal/search): the text is indexed as its CJK bigram
-- terms (search.Terms), one space-separated term list per appeal, rowid = appeals.id.
-- Contentless: the text lives in appeals; contentless_delete lets a reply replace the row.
CREATE VIRTUAL TABLE appeal_fts USING fts5(terms, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0');

-- +goose Down
DROP TABLE appeal_fts;
