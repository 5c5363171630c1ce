-- A matter's poll that lacked quorum decides nothing: the matter may be put to a vote again. One
-- live poll per matter still holds (not cancelled, and not published without quorum).
DROP INDEX polls_one_live_per_matter;
CREATE UNIQUE INDEX polls_one_live_per_matter ON polls (matter_id)
    WHERE matter_id IS NOT NULL AND status <> 'cancelled' AND (outcome IS NULL OR outcome <> 'no_quorum');
