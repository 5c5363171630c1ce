-- Golden-idea contests: how many ideas a voter picks (none: one), why a contest was cancelled
-- and when its winners were announced; each idea's votes and rank once announced.
ALTER TABLE contests ADD COLUMN max_choices INTEGER;
ALTER TABLE contests ADD COLUMN cancel_reason TEXT;
ALTER TABLE contests ADD COLUMN announced_at TIMESTAMP;
ALTER TABLE ideas ADD COLUMN votes INTEGER;
ALTER TABLE ideas ADD COLUMN rank INTEGER;
CREATE INDEX contests_due ON contests (status, vote_opens_at);
