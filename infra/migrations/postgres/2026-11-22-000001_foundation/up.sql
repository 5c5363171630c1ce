-- Idempotency records: the first answer to a creating POST, kept with what it created.
CREATE TABLE idempotency_keys (
    id TEXT PRIMARY KEY NOT NULL,
    scope TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (scope, idem_key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

-- One row per periodic background job: the lease says which instance runs it next.
CREATE TABLE job_leases (
    id TEXT PRIMARY KEY NOT NULL,
    lease_owner TEXT,
    lease_until TIMESTAMP,
    last_run_at TIMESTAMP
);
