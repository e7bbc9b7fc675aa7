-- +goose Up
-- Admin overrides of the statutory calendar: next year's State Council notice before the
-- bundled data has it, or a local day off. An override beats the statutory data.
CREATE TABLE calendar_overrides (
    day        TEXT    PRIMARY KEY,
    kind       TEXT    NOT NULL CHECK (kind IN ('workday', 'holiday')),
    name       TEXT    NOT NULL DEFAULT '',
    created_at BIGINT  NOT NULL,
    created_by BIGINT
);

-- +goose Down
DROP TABLE calendar_overrides;
