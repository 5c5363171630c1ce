-- A dividend's objections (entry_id NULL): once per person and posting. The unique index of
-- 000020 spans entry_id and household_id, which NULLs keep from ever colliding.
CREATE UNIQUE INDEX points_objections_dividend_once ON points_objections (posting_id, objector_id) WHERE entry_id IS NULL;
