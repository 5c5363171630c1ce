-- The unit a staff account serves in: where its creator's scope placed it, so that only staff
-- over that unit may grant it roles.
ALTER TABLE users ADD COLUMN serves_unit_id TEXT NULL;
