-- +goose Up
-- Statistics (package internal/stats): the roll-ups that the 三率 assessment and the hot
-- spots read, the watermark of the job that keeps them, and the proactive tasks
-- (未诉先办) the common-problem detector raises. The package doc explains every column.
-- day columns are Shanghai day numbers: (unix ms + 8 h) / 86,400,000, the same integer on
-- both engines (Asia/Shanghai has kept +08:00 without daylight saving since 1991).

-- One row per Shanghai day × department × kind: the counters of the 三率.
CREATE TABLE stats_dept_day (
    day              INTEGER NOT NULL,
    org_id           INTEGER NOT NULL,
    kind             TEXT    NOT NULL,
    dispatched       INTEGER NOT NULL DEFAULT 0,
    claimed_on_time  INTEGER NOT NULL DEFAULT 0,
    answered         INTEGER NOT NULL DEFAULT 0,
    answered_on_time INTEGER NOT NULL DEFAULT 0,
    handling_ms      INTEGER NOT NULL DEFAULT 0,
    redone           INTEGER NOT NULL DEFAULT 0,
    called_back      INTEGER NOT NULL DEFAULT 0,
    solved           INTEGER NOT NULL DEFAULT 0,
    satisfied        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, org_id, kind)
) WITHOUT ROWID;

-- A department's own days (its trend on the department page).
CREATE INDEX stats_dept_day_org ON stats_dept_day(org_id, day);

-- One row per Shanghai day × category × district × kind: appeals filed (hot spots).
CREATE TABLE stats_intake_day (
    day           INTEGER NOT NULL,
    category_id   INTEGER NOT NULL,
    district_code TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    filed         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, category_id, district_code, kind)
) WITHOUT ROWID;

-- The roll-up job's watermark: appeal_events up to event_id are rolled up. Updated in the
-- transaction that changes the roll-up rows.
CREATE TABLE stats_watermark (
    name       TEXT    PRIMARY KEY,
    event_id   INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
INSERT INTO stats_watermark (name, event_id, updated_at) VALUES ('rollup', 0, 0);

-- A lead part answered on a day, per department: the incremental roll-up recomputes a
-- department's day of answers through it.
CREATE INDEX stats_assignments_answered ON appeal_assignments(org_id, answered_at) WHERE role = 'lead' AND answered_at > 0;

-- Common problems (共性问题) raised as proactive tasks (未诉先办).
CREATE TABLE stats_proactive_tasks (
    id            INTEGER PRIMARY KEY,
    category_id   INTEGER NOT NULL REFERENCES appeal_categories(id),
    district_code TEXT    NOT NULL,
    title         TEXT    NOT NULL,
    enterprises   INTEGER NOT NULL,
    appeals       INTEGER NOT NULL,
    first_at      INTEGER NOT NULL,
    last_at       INTEGER NOT NULL,
    state         TEXT    NOT NULL DEFAULT 'open',
    appeal_id     INTEGER REFERENCES appeals(id),
    note          TEXT    NOT NULL DEFAULT '',
    detected_at   INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    decided_by    INTEGER REFERENCES users(id),
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX stats_proactive_state ON stats_proactive_tasks(state, id);
CREATE INDEX stats_proactive_category ON stats_proactive_tasks(category_id, state);

-- The appeals of a task's cluster; an appeal belongs to one task at most.
CREATE TABLE stats_proactive_members (
    task_id        INTEGER NOT NULL REFERENCES stats_proactive_tasks(id),
    appeal_id      INTEGER NOT NULL REFERENCES appeals(id),
    enterprise_key TEXT    NOT NULL,
    similarity     INTEGER NOT NULL,
    PRIMARY KEY (task_id, appeal_id)
);
CREATE UNIQUE INDEX stats_proactive_members_appeal ON stats_proactive_members(appeal_id);

-- +goose Down
DROP TABLE stats_proactive_members;
DROP TABLE stats_proactive_tasks;
DROP INDEX stats_assignments_answered;
DROP TABLE stats_watermark;
DROP TABLE stats_intake_day;
DROP TABLE stats_dept_day;
