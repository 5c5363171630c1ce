-- The audit log's hash chain: entries are appended unsealed (seq and hash empty) inside the
-- transaction that did the work; the sealer numbers them in one sequence and chains each to the
-- one before. `audit_chain` holds the head: the last sealed sequence number and hash.
ALTER TABLE audit_log ADD COLUMN seq BIGINT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX audit_log_seq ON audit_log (seq);
CREATE INDEX audit_log_unsealed ON audit_log (id) WHERE seq IS NULL;

CREATE TABLE audit_chain (
    id INTEGER PRIMARY KEY NOT NULL,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    sealed_at TIMESTAMP NOT NULL
);
INSERT INTO audit_chain (id, seq, hash, sealed_at) VALUES (1, 0, 'yishi-audit-genesis', CURRENT_TIMESTAMP);
