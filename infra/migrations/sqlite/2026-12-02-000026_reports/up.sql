-- Anonymous reports (举报). Nothing here names the reporter: no user id, no precise time (the
-- times are rounded down to the hour, and the ids are UUIDv7 of that hour), the follow-up code
-- only as its SHA-256. named_user_id is the cadre the report is about (never shown to them).
CREATE TABLE reports (
    id TEXT PRIMARY KEY NOT NULL,
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    named_user_id TEXT REFERENCES users (id),
    named_name TEXT,
    township_only BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    follow_up_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX reports_unit ON reports (org_unit_id, id);

-- A report's thread: the reporter's additions (no author) and staff answers (with the status
-- they moved the report to).
CREATE TABLE report_messages (
    id TEXT PRIMARY KEY NOT NULL,
    report_id TEXT NOT NULL REFERENCES reports (id),
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT,
    author_id TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX report_messages_report ON report_messages (report_id, id);

-- The daily quota: slot n of a filer's day is taken once (a unique key, not read-then-write).
-- filer_hash is HMAC-SHA256(server secret, user id and day): it cannot be tied to a user without
-- the secret, nor to the same user on another day, and no row points to a report.
CREATE TABLE report_quota (
    filer_hash TEXT NOT NULL,
    slot BIGINT NOT NULL,
    day DATE NOT NULL,
    PRIMARY KEY (filer_hash, slot)
);
CREATE INDEX report_quota_day ON report_quota (day);
