-- Announcements (通知公告) to every resident of a unit's subtree. The fan-out into outbox
-- rows runs in the background, a batch per transaction, remembering where it got to.
CREATE TABLE announcements (
    id TEXT PRIMARY KEY NOT NULL,
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    author_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    fanout_after TEXT,
    fanned_out INTEGER NOT NULL DEFAULT 0,
    fanout_done BOOLEAN NOT NULL DEFAULT FALSE,
    lease_owner TEXT,
    lease_until TIMESTAMP
);
CREATE INDEX announcements_unit ON announcements (org_unit_id, id);
CREATE INDEX announcements_fanout ON announcements (fanout_done);
CREATE INDEX residencies_status_user ON residencies (status, user_id);
