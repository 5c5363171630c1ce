ALTER TABLE users DROP COLUMN serves_unit_id;
