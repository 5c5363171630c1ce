-- An objection to a posted entry is raised once per person and entry. The index of 000020 spans
-- household_id too, which is NULL for entry objections, and NULLs are distinct in a unique index
-- on both backends, so it never fires for them.
CREATE UNIQUE INDEX points_objections_entry_once ON points_objections (entry_id, objector_id) WHERE entry_id IS NOT NULL;
