DROP INDEX polls_one_live_per_matter;
CREATE UNIQUE INDEX polls_one_live_per_matter ON polls (matter_id) WHERE matter_id IS NOT NULL AND status <> 'cancelled';
