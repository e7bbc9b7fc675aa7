-- +goose Up
-- Notifications (internal/notify): the events other parts emit, one delivery per channel
-- and recipient (email) or subscription (webhook) with every attempt logged, webhook
-- subscriptions, and each user's email preference. Instants are INTEGER unix milliseconds.

ALTER TABLE users ADD COLUMN email_notify BOOLEAN NOT NULL DEFAULT TRUE;

-- One row per real-world event. The unique key makes Emit idempotent: the same event
-- emitted twice (two processes' sweeps) is stored, and therefore delivered, once.
CREATE TABLE notify_events (
    id         INTEGER PRIMARY KEY,
    key        TEXT    NOT NULL UNIQUE,
    type       TEXT    NOT NULL,
    title_key  TEXT    NOT NULL,
    args       TEXT    NOT NULL DEFAULT '{}',
    link       TEXT    NOT NULL DEFAULT '',
    payload    TEXT    NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL
);
CREATE INDEX notify_events_created ON notify_events(created_at);
-- The daily clean-up finds the events whose data it has not cleared yet without walking
-- every old event.
CREATE INDEX notify_events_uncleared ON notify_events(created_at) WHERE args <> '{}' OR payload <> '{}';

CREATE TABLE webhooks (
    id          INTEGER PRIMARY KEY,
    url         TEXT    NOT NULL,
    events      TEXT    NOT NULL,
    secret      TEXT    NOT NULL,
    org_id      INTEGER REFERENCES orgs(id),
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    description TEXT    NOT NULL DEFAULT '',
    created_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    last_state  TEXT    NOT NULL DEFAULT '',
    last_code   INTEGER NOT NULL DEFAULT 0,
    last_at     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhooks_active ON webhooks(active);

-- A delivery is one message to one recipient (email) or one subscription (webhook). Its
-- uid is the delivery id receivers see, the same on every retry.
CREATE TABLE notify_deliveries (
    id          INTEGER PRIMARY KEY,
    uid         TEXT    NOT NULL UNIQUE,
    event_id    INTEGER NOT NULL REFERENCES notify_events(id) ON DELETE CASCADE,
    channel     TEXT    NOT NULL,
    target_id   INTEGER NOT NULL,
    user_id     INTEGER REFERENCES users(id) ON DELETE CASCADE,
    webhook_id  INTEGER REFERENCES webhooks(id) ON DELETE CASCADE,
    address     TEXT    NOT NULL DEFAULT '',
    state       TEXT    NOT NULL DEFAULT 'pending',
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_code   INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    finished_at INTEGER NOT NULL DEFAULT 0,
    UNIQUE (event_id, channel, target_id)
);
CREATE INDEX notify_deliveries_channel ON notify_deliveries(channel, id);
CREATE INDEX notify_deliveries_state ON notify_deliveries(channel, state, id);
CREATE INDEX notify_deliveries_webhook ON notify_deliveries(webhook_id, id);
CREATE INDEX notify_deliveries_user ON notify_deliveries(user_id);
CREATE INDEX notify_deliveries_finished ON notify_deliveries(finished_at);

CREATE TABLE notify_attempts (
    id          INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES notify_deliveries(id) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    status_code INTEGER NOT NULL DEFAULT 0,
    error       TEXT    NOT NULL DEFAULT '',
    duration_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notify_attempts_delivery ON notify_attempts(delivery_id, id);
CREATE INDEX notify_attempts_at ON notify_attempts(at);

-- +goose Down
DROP TABLE notify_attempts;
DROP TABLE notify_deliveries;
DROP TABLE webhooks;
DROP TABLE notify_events;
ALTER TABLE users DROP COLUMN email_notify;
