-- +goose Up
-- 全部 filtered by state and district (and kind), newest first — the operator's usual look
-- at one district's 办结 complaints: without it the page and its count (up to 1,000) read
-- every appeal of the state in id order and kept one in sixty (117 ms serial at 270,000
-- appeals, as much at ten million: the cost follows the match density, not the size).
-- The district leads: with state first, SQLite took this index for every state queue
-- (待受理 by id) and sorted the state's rows (3 → 119 ms at ten million).
CREATE INDEX appeals_district_state_kind ON appeals(district_code, state, kind, id);

-- +goose Down
DROP INDEX appeals_district_state_kind;
