-- +goose Up
-- The 三率 ranking of a year summed 365 days × departments × 4 kinds of stats_dept_day
-- (87,600 rows once every department has work every day: 108–152 ms on SQLite at ten
-- million appeals). stats_dept_month holds the same counters per calendar month: a
-- year is 12 × departments × 4 rows, and a period that starts or ends inside a month adds
-- the days of its partial months. month is the Shanghai day number of the month's first
-- day. The roll-up job keeps it with the days (package internal/stats, rollup.go).
CREATE TABLE stats_dept_month (
    month            BIGINT NOT NULL,
    org_id           BIGINT NOT NULL,
    kind             TEXT    NOT NULL,
    dispatched       BIGINT NOT NULL DEFAULT 0,
    claimed_on_time  BIGINT NOT NULL DEFAULT 0,
    answered         BIGINT NOT NULL DEFAULT 0,
    answered_on_time BIGINT NOT NULL DEFAULT 0,
    handling_ms      BIGINT NOT NULL DEFAULT 0,
    redone           BIGINT NOT NULL DEFAULT 0,
    called_back      BIGINT NOT NULL DEFAULT 0,
    solved           BIGINT NOT NULL DEFAULT 0,
    satisfied        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (month, org_id, kind)
);

-- The months of a deployment's days: the first day of each month from 1990 to 2100 as a
-- day number (days since 1970-01-01), by H. Hinnant's days_from_civil in integer
-- arithmetic (the same on both engines; every year here is positive), then each day row
-- summed into its month.
INSERT INTO stats_dept_month (month, org_id, kind, dispatched, claimed_on_time, answered, answered_on_time,
    handling_ms, redone, called_back, solved, satisfied)
WITH RECURSIVE ym(y, m) AS (
    SELECT 1990, 1
    UNION ALL
    SELECT y + m / 12, m % 12 + 1 FROM ym WHERE y < 2101
), c AS (
    SELECT y - CASE WHEN m <= 2 THEN 1 ELSE 0 END AS yy, (153 * ((m + 9) % 12) + 2) / 5 AS doy FROM ym
), s AS (
    SELECT (yy / 400) * 146097 + (yy % 400) * 365 + (yy % 400) / 4 - (yy % 400) / 100 + doy - 719468 AS start FROM c
), months AS (
    SELECT start, LEAD(start) OVER (ORDER BY start) AS next FROM s
)
SELECT months.start, d.org_id, d.kind, SUM(d.dispatched), SUM(d.claimed_on_time), SUM(d.answered), SUM(d.answered_on_time),
    SUM(d.handling_ms), SUM(d.redone), SUM(d.called_back), SUM(d.solved), SUM(d.satisfied)
FROM stats_dept_day d JOIN months ON d.day >= months.start AND d.day < months.next
GROUP BY months.start, d.org_id, d.kind;

-- +goose Down
DROP TABLE stats_dept_month;
