-- +goose Up
-- The audit log's chain column (internal/audit; PostgreSQL's 00017 splits the log into
-- eight chains so that concurrent transactions do not wait for each other's commit).
-- SQLite has one writer at a time, so its log stays one chain: chain 1, the head of
-- audit_head's one row.
ALTER TABLE audit_log ADD COLUMN chain INTEGER NOT NULL DEFAULT 1;

-- +goose Down
ALTER TABLE audit_log DROP COLUMN chain;
