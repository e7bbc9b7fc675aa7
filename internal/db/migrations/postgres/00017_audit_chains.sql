-- +goose Up
-- The audit log as eight hash chains instead of one (internal/audit). Each transaction
-- appends its entries to one chain, holding that chain's head locked until it commits;
-- with a single head every change of every process waited for the one before it to
-- commit (measured: API intake on PostgreSQL stalled on the head's row lock). Each chain
-- is verified on its own; an entry's chain is part of its row, and moving an entry to
-- another chain breaks both chains' links. Existing entries are chain 1.
ALTER TABLE audit_log ADD COLUMN chain INTEGER NOT NULL DEFAULT 1;
ALTER TABLE audit_head DROP CONSTRAINT audit_head_id_check;
ALTER TABLE audit_head ADD CONSTRAINT audit_head_chain CHECK (id BETWEEN 1 AND 8);
INSERT INTO audit_head (id, last_id, last_hash) VALUES (2, 0, ''), (3, 0, ''), (4, 0, ''), (5, 0, ''), (6, 0, ''), (7, 0, ''), (8, 0, '');

-- +goose Down
-- Entries of chains 2–8 cannot be folded back into one chain without rewriting hashes,
-- which an append-only log must not do.
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM audit_log WHERE chain <> 1) THEN
        RAISE EXCEPTION 'audit entries on chains 2-8 cannot be merged back into one chain';
    END IF;
END $$;
-- +goose StatementEnd
DELETE FROM audit_head WHERE id <> 1;
ALTER TABLE audit_head DROP CONSTRAINT audit_head_chain;
ALTER TABLE audit_head ADD CONSTRAINT audit_head_id_check CHECK (id = 1);
ALTER TABLE audit_log DROP COLUMN chain;
