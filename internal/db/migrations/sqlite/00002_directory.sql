-- +goose Up
-- The directory (一企一档): enterprise details (1:1 with an orgs row of kind enterprise),
-- chamber memberships, people and the posts they hold, and workbooks uploaded for import
-- that wait for the user's "import only the clean rows". Civil dates are TEXT YYYY-MM-DD
-- ('' when unknown or open), money BIGINT fen, instants BIGINT unix milliseconds.

CREATE TABLE enterprises (
    org_id             INTEGER PRIMARY KEY REFERENCES orgs(id),
    credit_code        TEXT    NOT NULL,
    industry           TEXT    NOT NULL,
    size               TEXT    NOT NULL,
    ownership          TEXT    NOT NULL,
    district_code      TEXT    NOT NULL,
    chain              TEXT    NOT NULL DEFAULT '',
    registered_capital BIGINT  NOT NULL DEFAULT 0,
    founded_on         TEXT    NOT NULL DEFAULT '',
    employees          INTEGER NOT NULL DEFAULT 0,
    legal_rep          TEXT    NOT NULL DEFAULT '',
    contact_name       TEXT    NOT NULL DEFAULT '',
    contact_phone      TEXT    NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX enterprises_credit_code ON enterprises(credit_code);
CREATE INDEX enterprises_district_industry ON enterprises(district_code, industry, org_id);
CREATE INDEX enterprises_industry_size ON enterprises(industry, size, org_id);
CREATE INDEX enterprises_ownership_size ON enterprises(ownership, size, org_id);
CREATE INDEX enterprises_chain ON enterprises(chain, org_id);
CREATE INDEX enterprises_founded ON enterprises(founded_on, org_id);
CREATE INDEX enterprises_capital ON enterprises(registered_capital, org_id);

CREATE TABLE memberships (
    id            INTEGER PRIMARY KEY,
    chamber_id    INTEGER NOT NULL REFERENCES orgs(id),
    enterprise_id INTEGER NOT NULL REFERENCES enterprises(org_id),
    post          TEXT    NOT NULL,
    joined_on     TEXT    NOT NULL,
    left_on       TEXT    NOT NULL DEFAULT '',
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);
-- One current membership per chamber and enterprise; past ones stay as history.
CREATE UNIQUE INDEX memberships_current ON memberships(chamber_id, enterprise_id) WHERE left_on = '';
CREATE INDEX memberships_chamber ON memberships(chamber_id, left_on, post, enterprise_id);
CREATE INDEX memberships_enterprise ON memberships(enterprise_id, left_on);

CREATE TABLE people (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    mobile     TEXT    NOT NULL DEFAULT '',
    gender     TEXT    NOT NULL DEFAULT '',
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX people_name ON people(name, id);
CREATE INDEX people_mobile ON people(mobile) WHERE mobile <> '';

CREATE TABLE posts (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES people(id),
    org_id     INTEGER NOT NULL REFERENCES orgs(id),
    title      TEXT    NOT NULL,
    since_on   TEXT    NOT NULL DEFAULT '',
    until_on   TEXT    NOT NULL DEFAULT '',
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL
);
CREATE INDEX posts_person ON posts(person_id, until_on);
CREATE INDEX posts_org ON posts(org_id, until_on, person_id);

CREATE TABLE directory_uploads (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL,
    filename   TEXT    NOT NULL,
    sha256     TEXT    NOT NULL,
    data       BLOB    NOT NULL,
    created_at BIGINT  NOT NULL
);
CREATE INDEX directory_uploads_created ON directory_uploads(created_at);

-- +goose Down
DROP TABLE directory_uploads;
DROP TABLE posts;
DROP TABLE people;
DROP TABLE memberships;
DROP TABLE enterprises;
