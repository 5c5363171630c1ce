-- Every org unit a case lies under, its own unit included: one row per (unit, case). A list
-- scoped to a subtree (a township's cases) reads one range of this table's key, newest case
-- first, and stops after a page however many cases the subtree holds. Filtering `cases` by
-- `org_unit_id IN (the subtree's units)` could only find them unordered, so every page sorted
-- every matching case (issue 10).
--
-- Kept by triggers, so rows written by SQL (bench/load_cases.sql) are covered too. An org
-- unit's path never changes once made, so a case's units change only with its own
-- org_unit_id. The ancestors are the units whose path is a prefix of the case's unit's path.
CREATE TABLE case_units (
    unit_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    PRIMARY KEY (unit_id, case_id)
);
CREATE INDEX case_units_case ON case_units (case_id);

INSERT INTO case_units (unit_id, case_id)
SELECT a.id, c.id
FROM cases c
JOIN org_units u ON u.id = c.org_unit_id
JOIN org_units a ON left(u.path, length(a.path)) = a.path;

-- Inserts are handled per statement (a bulk load joins its new rows once); a move or a delete
-- per row.
CREATE FUNCTION case_units_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO case_units (unit_id, case_id)
    SELECT a.id, n.id
    FROM added n
    JOIN org_units u ON u.id = n.org_unit_id
    JOIN org_units a ON left(u.path, length(a.path)) = a.path;
    RETURN NULL;
END
$$;

CREATE FUNCTION case_units_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM case_units WHERE case_id = OLD.id;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO case_units (unit_id, case_id)
        SELECT a.id, NEW.id
        FROM org_units u
        JOIN org_units a ON left(u.path, length(a.path)) = a.path
        WHERE u.id = NEW.org_unit_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER case_units_insert AFTER INSERT ON cases
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION case_units_added();
CREATE TRIGGER case_units_move AFTER UPDATE OF org_unit_id ON cases
    FOR EACH ROW WHEN (NEW.org_unit_id IS DISTINCT FROM OLD.org_unit_id) EXECUTE FUNCTION case_units_changed();
CREATE TRIGGER case_units_delete AFTER DELETE ON cases
    FOR EACH ROW EXECUTE FUNCTION case_units_changed();
