-- +goose Up
-- 全部 filtered by state and district (and kind), newest first — the operator's usual look
-- at one district's 办结 complaints: without it the page and its count (up to 1,000) read
-- every appeal of the state in id order and kept one in sixty (117 ms serial at 270,000
-- appeals, as much at ten million: the cost follows the match density, not the size).
CREATE INDEX appeals_state_district_kind ON appeals(state, district_code, kind, id);

-- +goose Down
DROP INDEX appeals_state_district_kind;
