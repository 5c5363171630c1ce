DROP TRIGGER case_units_delete;
DROP TRIGGER case_units_move;
DROP TRIGGER case_units_insert;
DROP TABLE case_units;
