-- +goose Up
-- Leader liaison (市领导联系民营企业和商会), visits and research trips (调研走访), roundtables
-- (政企恳谈会) and the problems they raised, each of which is an appeal of the closed loop
-- (internal/liaison). Civil dates are TEXT YYYY-MM-DD ('' when open), instants INTEGER unix
-- milliseconds. Files are stored in the database like appeal attachments.

-- A city leader's profile: the user (role leader) who is the leader, the directory person,
-- and the title shown. Users of a leader's office who act for the leader (liaison officers,
-- 联络员) also hold role leader but have no profile.
CREATE TABLE liaison_leaders (
    user_id    INTEGER  PRIMARY KEY REFERENCES users(id),
    person_id  INTEGER  REFERENCES people(id),
    title      TEXT    NOT NULL,
    sort_order INTEGER  NOT NULL DEFAULT 0,
    created_at INTEGER  NOT NULL,
    updated_at INTEGER  NOT NULL,
    version    INTEGER  NOT NULL DEFAULT 1
);
CREATE INDEX liaison_leaders_sort ON liaison_leaders(sort_order, user_id);

-- A leader ↔ enterprise or chamber link with its dates and liaison officer.
CREATE TABLE liaison_links (
    id              INTEGER PRIMARY KEY,
    leader_user_id  INTEGER  NOT NULL REFERENCES liaison_leaders(user_id),
    org_id          INTEGER  NOT NULL REFERENCES orgs(id),
    org_kind        TEXT    NOT NULL,
    officer_user_id INTEGER  REFERENCES users(id),
    since_on        TEXT    NOT NULL,
    until_on        TEXT    NOT NULL DEFAULT '',
    note            TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER  NOT NULL,
    updated_at      INTEGER  NOT NULL,
    version         INTEGER  NOT NULL DEFAULT 1
);
-- One active link per leader and organisation (ended ones stay as history).
CREATE UNIQUE INDEX liaison_links_active ON liaison_links(leader_user_id, org_id) WHERE until_on = '';
CREATE INDEX liaison_links_leader ON liaison_links(leader_user_id, org_kind, id);
CREATE INDEX liaison_links_org ON liaison_links(org_id, until_on, leader_user_id);
CREATE INDEX liaison_links_officer ON liaison_links(officer_user_id, until_on) WHERE officer_user_id IS NOT NULL;
CREATE INDEX liaison_links_kind ON liaison_links(org_kind, until_on, id);

-- A visit or research trip of one leader.
CREATE TABLE liaison_visits (
    id             INTEGER PRIMARY KEY,
    leader_user_id INTEGER  NOT NULL REFERENCES liaison_leaders(user_id),
    kind           TEXT    NOT NULL,
    visited_on     TEXT    NOT NULL,
    summary        TEXT    NOT NULL DEFAULT '',
    created_by     INTEGER  REFERENCES users(id),
    created_org    INTEGER  REFERENCES orgs(id),
    created_at     INTEGER  NOT NULL,
    updated_at     INTEGER  NOT NULL,
    version        INTEGER  NOT NULL DEFAULT 1
);
CREATE INDEX liaison_visits_leader ON liaison_visits(leader_user_id, visited_on, id);
CREATE INDEX liaison_visits_date ON liaison_visits(visited_on, id);

-- The enterprises and chambers a visit went to.
CREATE TABLE liaison_visit_orgs (
    visit_id INTEGER NOT NULL REFERENCES liaison_visits(id),
    org_id   INTEGER NOT NULL REFERENCES orgs(id),
    PRIMARY KEY (visit_id, org_id)
);
CREATE INDEX liaison_visit_orgs_org ON liaison_visit_orgs(org_id, visit_id);

-- The departments that came along.
CREATE TABLE liaison_visit_depts (
    visit_id INTEGER NOT NULL REFERENCES liaison_visits(id),
    org_id   INTEGER NOT NULL REFERENCES orgs(id),
    PRIMARY KEY (visit_id, org_id)
);
CREATE INDEX liaison_visit_depts_org ON liaison_visit_depts(org_id, visit_id);

-- Photos and documents of a visit: bytes in the database, type sniffed from them.
CREATE TABLE liaison_visit_files (
    id           INTEGER PRIMARY KEY,
    visit_id     INTEGER NOT NULL REFERENCES liaison_visits(id),
    filename     TEXT   NOT NULL,
    content_type TEXT   NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT   NOT NULL,
    data         BLOB   NOT NULL,
    uploaded_by  INTEGER REFERENCES users(id),
    created_at   INTEGER NOT NULL
);
CREATE INDEX liaison_visit_files_visit ON liaison_visit_files(visit_id, id);

-- A roundtable (政企恳谈会) between departments and entrepreneurs.
CREATE TABLE liaison_roundtables (
    id         INTEGER PRIMARY KEY,
    title      TEXT   NOT NULL,
    held_on    TEXT   NOT NULL,
    location   TEXT   NOT NULL DEFAULT '',
    topics     TEXT   NOT NULL,
    summary    TEXT   NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX liaison_roundtables_date ON liaison_roundtables(held_on, id);

-- Its host departments (role 'host') and participating enterprises and chambers
-- (role 'participant').
CREATE TABLE liaison_roundtable_orgs (
    roundtable_id INTEGER NOT NULL REFERENCES liaison_roundtables(id),
    org_id        INTEGER NOT NULL REFERENCES orgs(id),
    role          TEXT   NOT NULL,
    PRIMARY KEY (roundtable_id, org_id, role)
);
CREATE INDEX liaison_roundtable_orgs_org ON liaison_roundtable_orgs(org_id, role, roundtable_id);

-- A problem or suggestion raised on a visit or at a roundtable: the appeal it became.
CREATE TABLE liaison_problems (
    id             INTEGER PRIMARY KEY,
    appeal_id      INTEGER NOT NULL UNIQUE REFERENCES appeals(id),
    visit_id       INTEGER REFERENCES liaison_visits(id),
    roundtable_id  INTEGER REFERENCES liaison_roundtables(id),
    leader_user_id INTEGER REFERENCES liaison_leaders(user_id),
    org_id         INTEGER REFERENCES orgs(id),
    org_name       TEXT   NOT NULL,
    dept_org_id    INTEGER REFERENCES orgs(id),
    kind           TEXT   NOT NULL,
    title          TEXT   NOT NULL,
    created_at     INTEGER NOT NULL
);
CREATE INDEX liaison_problems_visit ON liaison_problems(visit_id, id) WHERE visit_id IS NOT NULL;
CREATE INDEX liaison_problems_roundtable ON liaison_problems(roundtable_id, id) WHERE roundtable_id IS NOT NULL;
CREATE INDEX liaison_problems_leader ON liaison_problems(leader_user_id, id) WHERE leader_user_id IS NOT NULL;
CREATE INDEX liaison_problems_org ON liaison_problems(org_id, id);

-- The leader's desk reads the open appeals of the leader's enterprises, overdue first;
-- the partial index holds open appeals only (the literal list matches the query's).
CREATE INDEX appeals_enterprise_open ON appeals(enterprise_org_id, sla_due, id)
    WHERE state IN ('submitted', 'accepted', 'dispatched', 'in_progress', 'returned', 'extension_requested', 'replied');
-- Suggestion statistics by filing period.
CREATE INDEX appeals_kind_created ON appeals(kind, created_at);

-- +goose Down
DROP INDEX appeals_kind_created;
DROP INDEX appeals_enterprise_open;
DROP TABLE liaison_problems;
DROP TABLE liaison_roundtable_orgs;
DROP TABLE liaison_roundtables;
DROP TABLE liaison_visit_files;
DROP TABLE liaison_visit_depts;
DROP TABLE liaison_visit_orgs;
DROP TABLE liaison_visits;
DROP TABLE liaison_links;
DROP TABLE liaison_leaders;
