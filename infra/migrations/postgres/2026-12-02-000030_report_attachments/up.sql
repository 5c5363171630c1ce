-- A report's photos and voice notes. The reporter's uploads are copied here when the report is
-- filed and their own rows deleted, so nothing ties them to an account: no owner column, ids
-- UUIDv7 of the report's hour, no time of their own.
CREATE TABLE report_attachments (
    id TEXT PRIMARY KEY NOT NULL,
    report_id TEXT NOT NULL REFERENCES reports (id),
    kind TEXT NOT NULL,
    mime TEXT NOT NULL,
    size_bytes INTEGER NOT NULL
);
CREATE INDEX report_attachments_report ON report_attachments (report_id, id);
