DROP TABLE audit_chain;
DROP INDEX audit_log_unsealed;
DROP INDEX audit_log_seq;
ALTER TABLE audit_log DROP COLUMN hash;
ALTER TABLE audit_log DROP COLUMN seq;
