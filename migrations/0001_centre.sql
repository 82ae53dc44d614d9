-- The photo-receipt centre's schema (`idphoto serve --db ...`). One text for SQLite and
-- PostgreSQL: times are BIGINT milliseconds since the Unix epoch, ids and tokens TEXT, JSON
-- as TEXT, photo bytes BYTEA (SQLite stores them as BLOBs under that name).

-- One applicant's order: the latest state, the reasons shown to the applicant and the last
-- check's report. `attempt` counts submissions (1, then one more per resubmission).
CREATE TABLE orders (
    id           TEXT PRIMARY KEY,
    token_sha256 TEXT NOT NULL,
    spec         TEXT NOT NULL,
    name         TEXT NOT NULL,
    id_number    TEXT,
    phone        TEXT,
    webhook      TEXT,
    state        TEXT NOT NULL,
    reasons      TEXT NOT NULL,
    report       TEXT NOT NULL,
    attempt      BIGINT NOT NULL,
    claimed_by   TEXT,
    claim_until  BIGINT,
    queued_ms    BIGINT,
    created_ms   BIGINT NOT NULL,
    updated_ms   BIGINT NOT NULL
);
CREATE INDEX orders_queue ON orders (state, queued_ms);
CREATE INDEX orders_updated ON orders (state, updated_ms);

-- Every photo of every attempt: `original` (as uploaded), `output` (the adjusted image), `overlay`
-- (the failing regions drawn on the original). `bytes` becomes NULL when the retention sweep
-- deletes it; a receipt's photo is never deleted.
CREATE TABLE photos (
    id         TEXT PRIMARY KEY,
    order_id   TEXT NOT NULL REFERENCES orders (id),
    attempt    BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    mime       TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    bytes      BYTEA,
    created_ms BIGINT NOT NULL,
    deleted_ms BIGINT,
    UNIQUE (order_id, attempt, kind)
);

-- An accepted order's receipt: its number and the output photo it was issued for.
CREATE TABLE receipts (
    number       TEXT PRIMARY KEY,
    order_id     TEXT NOT NULL UNIQUE REFERENCES orders (id),
    photo_id     TEXT NOT NULL REFERENCES photos (id),
    photo_sha256 TEXT NOT NULL,
    reviewer     TEXT NOT NULL,
    issued_ms    BIGINT NOT NULL
);

-- The append-only history of each order (submissions, checks, claims, decisions, deletions):
-- the audit log. Rows are only ever inserted.
CREATE TABLE events (
    order_id TEXT NOT NULL REFERENCES orders (id),
    n        BIGINT NOT NULL,
    at_ms    BIGINT NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    state    TEXT NOT NULL,
    detail   TEXT NOT NULL,
    PRIMARY KEY (order_id, n)
);

-- Rejection notices to deliver to an order's webhook (the outbox): written in the decision's
-- transaction, delivered and retried with back-off by a background task.
CREATE TABLE webhooks (
    id           TEXT PRIMARY KEY,
    order_id     TEXT NOT NULL REFERENCES orders (id),
    url          TEXT NOT NULL,
    body         TEXT NOT NULL,
    attempts     BIGINT NOT NULL,
    next_ms      BIGINT NOT NULL,
    delivered_ms BIGINT,
    last_error   TEXT
);
CREATE INDEX webhooks_due ON webhooks (delivered_ms, next_ms);
