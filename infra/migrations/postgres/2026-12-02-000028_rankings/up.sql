-- Rankings: a ranking unit's configuration (figure weights, red and black list rules, the
-- contest's dimensions), one version per change; the contest's hand scores, every entry kept
-- (the latest per village, year and dimension counts); and the link of a village's
-- three-yearly leadership grading (大家评) to its poll.
CREATE TABLE ranking_configs (
    id TEXT PRIMARY KEY NOT NULL,
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    version INTEGER NOT NULL,
    weights TEXT NOT NULL,
    lists TEXT NOT NULL,
    dimensions TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (org_unit_id, version)
);

CREATE TABLE contest_scores (
    id TEXT PRIMARY KEY NOT NULL,
    township_id TEXT NOT NULL REFERENCES org_units (id),
    village_id TEXT NOT NULL REFERENCES org_units (id),
    year INTEGER NOT NULL,
    dimension TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    reason TEXT NOT NULL,
    entered_by TEXT NOT NULL REFERENCES users (id),
    entered_at TIMESTAMP NOT NULL
);
CREATE INDEX contest_scores_by_year ON contest_scores (township_id, year, village_id, dimension, id);

CREATE TABLE leadership_gradings (
    id TEXT PRIMARY KEY NOT NULL,
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    term INTEGER NOT NULL,
    poll_id TEXT NOT NULL UNIQUE REFERENCES polls (id),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (org_unit_id, term)
);
