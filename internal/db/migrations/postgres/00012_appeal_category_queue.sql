-- +goose Up
-- 全部 queue filtered by category and state, sorted by last move (a category's 办结 cases,
-- newest first): at 1,000,000 appeals the planner had only (state, updated_at) or
-- (category_id, created_at) and read a whole state's rows — 240 ms serial.
CREATE INDEX appeals_category_state_updated ON appeals(category_id, state, updated_at, id);

-- +goose Down
DROP INDEX appeals_category_state_updated;
