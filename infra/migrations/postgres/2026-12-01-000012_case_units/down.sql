DROP TRIGGER case_units_delete ON cases;
DROP TRIGGER case_units_move ON cases;
DROP TRIGGER case_units_insert ON cases;
DROP FUNCTION case_units_changed();
DROP FUNCTION case_units_added();
DROP TABLE case_units;
