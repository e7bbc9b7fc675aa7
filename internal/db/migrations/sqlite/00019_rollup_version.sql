-- +goose Up
-- The roll-up's version (internal/stats): every transaction that writes the department
-- and intake roll-ups moves the watermark and adds one here, so an answer computed from
-- the roll-ups can be kept until the version moves (the 三率 ranking and the hot spots, internal/stats/rollupcache.go).
ALTER TABLE stats_watermark ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE stats_watermark DROP COLUMN version;
