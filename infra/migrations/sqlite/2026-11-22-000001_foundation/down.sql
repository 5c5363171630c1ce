DROP TABLE job_leases;
DROP TABLE idempotency_keys;
