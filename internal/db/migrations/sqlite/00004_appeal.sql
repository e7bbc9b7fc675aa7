-- +goose Up
-- Appeals: the closed loop of 12345-1 政企通 (package internal/appeal). The package doc
-- explains every table, every index and the query it serves; keep them in step.
-- Instants are INTEGER unix milliseconds, 0 meaning "not yet" (see internal/db/time.go).

-- The dispatch catalogue (派单目录): a tree of categories, each with the department that
-- usually handles it and optional time limits that override the defaults.
CREATE TABLE appeal_categories (
    id              INTEGER PRIMARY KEY,
    code            TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL,
    name_en         TEXT    NOT NULL DEFAULT '',
    parent_id       INTEGER REFERENCES appeal_categories(id),
    default_dept_id INTEGER REFERENCES orgs(id),
    limits          TEXT    NOT NULL DEFAULT '{}',
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    sort_order      INTEGER  NOT NULL DEFAULT 0,
    created_at      INTEGER  NOT NULL,
    updated_at      INTEGER  NOT NULL,
    version         INTEGER  NOT NULL DEFAULT 1
);
CREATE INDEX appeal_categories_parent ON appeal_categories(parent_id, sort_order);

-- The operators' knowledge base for direct answers (直接答复).
CREATE TABLE kb_articles (
    id          INTEGER PRIMARY KEY,
    category_id INTEGER REFERENCES appeal_categories(id),
    title       TEXT    NOT NULL,
    answer      TEXT    NOT NULL,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    use_count   INTEGER  NOT NULL DEFAULT 0,
    created_by  INTEGER,
    created_at  INTEGER  NOT NULL,
    updated_at  INTEGER  NOT NULL,
    version     INTEGER  NOT NULL DEFAULT 1
);
CREATE INDEX kb_articles_category ON kb_articles(category_id, id);

CREATE TABLE appeals (
    id                INTEGER PRIMARY KEY,
    number            TEXT    NOT NULL UNIQUE,
    query_code        TEXT    NOT NULL,
    kind              TEXT    NOT NULL,
    channel           TEXT    NOT NULL,
    category_id       INTEGER  NOT NULL REFERENCES appeal_categories(id),
    district_code     TEXT    NOT NULL,
    priority          TEXT    NOT NULL DEFAULT 'normal',
    confidential      BOOLEAN NOT NULL DEFAULT FALSE,
    title             TEXT    NOT NULL,
    body              TEXT    NOT NULL,
    location          TEXT    NOT NULL DEFAULT '',
    enterprise_org_id INTEGER REFERENCES orgs(id),
    enterprise_name   TEXT    NOT NULL,
    credit_code       TEXT    NOT NULL DEFAULT '',
    contact_name      TEXT    NOT NULL DEFAULT '',
    contact_phone     TEXT    NOT NULL DEFAULT '',
    filed_by_user_id  INTEGER REFERENCES users(id),
    filed_by_org_id   INTEGER REFERENCES orgs(id),
    chamber_org_id    INTEGER REFERENCES orgs(id),
    state             TEXT    NOT NULL,
    return_from       TEXT    NOT NULL DEFAULT '',
    round             INTEGER  NOT NULL DEFAULT 0,
    lead_org_id       INTEGER REFERENCES orgs(id),
    merged_into_id    INTEGER REFERENCES appeals(id),
    kb_article_id     INTEGER REFERENCES kb_articles(id) ON DELETE SET NULL,
    outcome           TEXT    NOT NULL DEFAULT '',
    reply_text        TEXT    NOT NULL DEFAULT '',
    satisfaction      TEXT    NOT NULL DEFAULT '',
    solved            BOOLEAN,
    redo_count        INTEGER  NOT NULL DEFAULT 0,
    supervision_level INTEGER  NOT NULL DEFAULT 0,
    escalated         BOOLEAN NOT NULL DEFAULT FALSE,
    claim_due         INTEGER  NOT NULL DEFAULT 0,
    claim_paused_at   INTEGER  NOT NULL DEFAULT 0,
    claim_paused_ms   INTEGER  NOT NULL DEFAULT 0,
    handle_start      INTEGER  NOT NULL DEFAULT 0,
    handle_due        INTEGER  NOT NULL DEFAULT 0,
    handle_paused_at  INTEGER  NOT NULL DEFAULT 0,
    handle_paused_ms  INTEGER  NOT NULL DEFAULT 0,
    callback_due      INTEGER  NOT NULL DEFAULT 0,
    sla_level         TEXT    NOT NULL DEFAULT '',
    sla_clock         TEXT    NOT NULL DEFAULT '',
    sla_due           INTEGER  NOT NULL DEFAULT 0,
    next_alert_at     INTEGER,
    handled_on_time   BOOLEAN,
    handle_working_ms INTEGER  NOT NULL DEFAULT 0,
    created_at        INTEGER  NOT NULL,
    updated_at        INTEGER  NOT NULL,
    accepted_at       INTEGER  NOT NULL DEFAULT 0,
    dispatched_at     INTEGER  NOT NULL DEFAULT 0,
    replied_at        INTEGER  NOT NULL DEFAULT 0,
    callback_at       INTEGER  NOT NULL DEFAULT 0,
    closed_at         INTEGER  NOT NULL DEFAULT 0,
    version           INTEGER  NOT NULL DEFAULT 1
);
-- Operator queues by state, in each sort order (created = id, due, updated).
CREATE INDEX appeals_state_id      ON appeals(state, id);
CREATE INDEX appeals_state_due     ON appeals(state, sla_due, id);
CREATE INDEX appeals_state_updated ON appeals(state, updated_at, id);
-- 即将超期 / 已超期 and 督办件: small partial indexes over open appeals only.
CREATE INDEX appeals_level      ON appeals(sla_level, sla_due, id) WHERE sla_level IN ('yellow', 'red');
CREATE INDEX appeals_supervised ON appeals(id) WHERE supervision_level > 0;
-- Scope of enterprises and chambers (我的诉求).
CREATE INDEX appeals_enterprise ON appeals(enterprise_org_id, id);
CREATE INDEX appeals_chamber    ON appeals(chamber_org_id, id) WHERE chamber_org_id IS NOT NULL;
-- The deadline sweep: appeals whose next alert has come.
CREATE INDEX appeals_next_alert ON appeals(next_alert_at) WHERE next_alert_at IS NOT NULL;
-- Updates of an original reach the appeals merged into it.
CREATE INDEX appeals_merged_into ON appeals(merged_into_id) WHERE merged_into_id IS NOT NULL;
-- Deleting a knowledge-base article unlinks the appeals answered from it.
CREATE INDEX appeals_kb_article ON appeals(kb_article_id) WHERE kb_article_id IS NOT NULL;
-- Periods, hot spots (category × district × week) and per-department statistics.
CREATE INDEX appeals_created          ON appeals(created_at);
CREATE INDEX appeals_category_created ON appeals(category_id, created_at);
CREATE INDEX appeals_district_created ON appeals(district_code, created_at);
CREATE INDEX appeals_lead_replied     ON appeals(lead_org_id, replied_at);

-- One row per department per dispatch round: the lead (主办) and the co-handlers (协办).
CREATE TABLE appeal_assignments (
    id               INTEGER PRIMARY KEY,
    appeal_id        INTEGER  NOT NULL REFERENCES appeals(id),
    org_id           INTEGER  NOT NULL REFERENCES orgs(id),
    role             TEXT    NOT NULL,
    round            INTEGER  NOT NULL,
    state            TEXT    NOT NULL,
    done             BOOLEAN NOT NULL DEFAULT FALSE,
    dispatched_at    INTEGER  NOT NULL,
    claim_due        INTEGER  NOT NULL,
    claimed_at       INTEGER  NOT NULL DEFAULT 0,
    claimed_by       INTEGER REFERENCES users(id),
    claimed_on_time  BOOLEAN,
    handle_due       INTEGER  NOT NULL DEFAULT 0,
    answered_at      INTEGER  NOT NULL DEFAULT 0,
    answered_by      INTEGER REFERENCES users(id),
    answered_on_time BOOLEAN,
    answer           TEXT    NOT NULL DEFAULT '',
    outcome          TEXT    NOT NULL DEFAULT '',
    handle_working_ms INTEGER NOT NULL DEFAULT 0,
    returned_at      INTEGER  NOT NULL DEFAULT 0,
    return_reason    TEXT    NOT NULL DEFAULT '',
    return_approved  BOOLEAN NOT NULL DEFAULT FALSE,
    redone           BOOLEAN NOT NULL DEFAULT FALSE,
    closed_at        INTEGER  NOT NULL DEFAULT 0
);
CREATE INDEX appeal_assignments_appeal ON appeal_assignments(appeal_id, org_id);
-- Department queues: 待签收 (dispatched), 办理中 (claimed), open parts for 即将超期/已超期.
CREATE INDEX appeal_assignments_queue ON appeal_assignments(org_id, state, appeal_id);
-- 已答复: the department's finished parts, newest appeal first.
CREATE INDEX appeal_assignments_done ON appeal_assignments(org_id, appeal_id) WHERE done;
-- 三率 per department and period.
CREATE INDEX appeal_assignments_stats ON appeal_assignments(org_id, dispatched_at);

CREATE TABLE appeal_events (
    id             INTEGER PRIMARY KEY,
    appeal_id      INTEGER  NOT NULL REFERENCES appeals(id),
    at             INTEGER  NOT NULL,
    actor_id       INTEGER REFERENCES users(id),
    actor_name     TEXT    NOT NULL DEFAULT '',
    actor_org_id   INTEGER REFERENCES orgs(id),
    actor_org_name TEXT    NOT NULL DEFAULT '',
    action         TEXT    NOT NULL,
    from_state     TEXT    NOT NULL DEFAULT '',
    to_state       TEXT    NOT NULL DEFAULT '',
    note           TEXT    NOT NULL DEFAULT '',
    data           TEXT    NOT NULL DEFAULT '{}',
    public         BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX appeal_events_appeal ON appeal_events(appeal_id, id);

CREATE TABLE appeal_callbacks (
    id           INTEGER PRIMARY KEY,
    appeal_id    INTEGER  NOT NULL REFERENCES appeals(id),
    round        INTEGER  NOT NULL,
    lead_org_id  INTEGER REFERENCES orgs(id),
    satisfaction TEXT    NOT NULL,
    solved       BOOLEAN NOT NULL,
    note         TEXT    NOT NULL DEFAULT '',
    via          TEXT    NOT NULL,
    by_user_id   INTEGER REFERENCES users(id),
    at           INTEGER  NOT NULL,
    on_time      BOOLEAN NOT NULL
);
CREATE INDEX appeal_callbacks_appeal ON appeal_callbacks(appeal_id, id);
CREATE INDEX appeal_callbacks_stats  ON appeal_callbacks(lead_org_id, at);

CREATE TABLE appeal_extensions (
    id           INTEGER PRIMARY KEY,
    appeal_id    INTEGER  NOT NULL REFERENCES appeals(id),
    org_id       INTEGER  NOT NULL REFERENCES orgs(id),
    days         INTEGER  NOT NULL,
    reason       TEXT    NOT NULL,
    requested_at INTEGER  NOT NULL,
    requested_by INTEGER REFERENCES users(id),
    decided_at   INTEGER  NOT NULL DEFAULT 0,
    decided_by   INTEGER REFERENCES users(id),
    approved     BOOLEAN,
    note         TEXT    NOT NULL DEFAULT '',
    old_due      INTEGER  NOT NULL,
    new_due      INTEGER  NOT NULL DEFAULT 0
);
CREATE INDEX appeal_extensions_appeal ON appeal_extensions(appeal_id, id);

-- Leaders who supervise (督办) or to whom a difficult case was escalated (疑难件).
CREATE TABLE appeal_leaders (
    appeal_id INTEGER NOT NULL REFERENCES appeals(id),
    user_id   INTEGER NOT NULL REFERENCES users(id),
    kind      TEXT   NOT NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (appeal_id, user_id, kind)
);
CREATE INDEX appeal_leaders_user ON appeal_leaders(user_id, appeal_id);

-- One row per alert sent: the unique key makes the sweep notify exactly once per
-- (appeal, clock, level, deadline), however many processes sweep.
CREATE TABLE appeal_alerts (
    appeal_id INTEGER NOT NULL REFERENCES appeals(id),
    clock     TEXT   NOT NULL,
    level     TEXT   NOT NULL,
    due       INTEGER NOT NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (appeal_id, clock, level, due)
);

CREATE TABLE appeal_attachments (
    id           INTEGER PRIMARY KEY,
    appeal_id    INTEGER  NOT NULL REFERENCES appeals(id),
    filename     TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         INTEGER  NOT NULL,
    sha256       TEXT    NOT NULL,
    data         BLOB    NOT NULL,
    uploaded_by  INTEGER REFERENCES users(id),
    uploaded_org INTEGER REFERENCES orgs(id),
    created_at   INTEGER  NOT NULL
);
CREATE INDEX appeal_attachments_appeal ON appeal_attachments(appeal_id, id);

-- +goose Down
DROP TABLE appeal_attachments;
DROP TABLE appeal_alerts;
DROP TABLE appeal_leaders;
DROP TABLE appeal_extensions;
DROP TABLE appeal_callbacks;
DROP TABLE appeal_events;
DROP TABLE appeal_assignments;
DROP TABLE appeals;
DROP TABLE kb_articles;
DROP TABLE appeal_categories;
