DROP TRIGGER case_units_move ON cases;
DROP TRIGGER case_units_insert_delete ON cases;
DROP FUNCTION case_units_sync();
DROP TABLE case_units;
