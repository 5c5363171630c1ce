DROP INDEX contests_due;
ALTER TABLE ideas DROP COLUMN rank;
ALTER TABLE ideas DROP COLUMN votes;
ALTER TABLE contests DROP COLUMN announced_at;
ALTER TABLE contests DROP COLUMN cancel_reason;
ALTER TABLE contests DROP COLUMN max_choices;
