-- The grid worker's day: grids get a unified code and households a grid; visits to households,
-- patrols with the points they passed, the households that need care and how often, the grid
-- staff's terms and published contact, and each grid's WeChat group.
ALTER TABLE grids ADD COLUMN code TEXT;
ALTER TABLE grids ADD COLUMN updated_at TIMESTAMP;
UPDATE grids SET code = id;
CREATE UNIQUE INDEX grids_code ON grids (code);

-- The grid whose workers walk to the household (assigned by staff; a re-drawn boundary does not
-- move it).
ALTER TABLE households ADD COLUMN grid_id TEXT REFERENCES grids (id);
CREATE INDEX households_grid ON households (grid_id, id);

-- Full- or part-time (专职/兼职; null until set), and the contact a grid's worker or leader chose to publish.
CREATE TABLE grid_staff (
    grid_id TEXT NOT NULL REFERENCES grids (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    employment TEXT,
    contact TEXT,
    contact_unmasked BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (grid_id, user_id)
);

-- The grid's WeChat group entry: a link, or a QR image uploaded by its worker.
CREATE TABLE grid_groups (
    grid_id TEXT PRIMARY KEY NOT NULL REFERENCES grids (id),
    link TEXT,
    qr_media_id TEXT REFERENCES media (id),
    updated_by TEXT NOT NULL REFERENCES users (id),
    updated_at TIMESTAMP NOT NULL
);

-- A household with people needing care (personal data: read like a phone number), visited at
-- least every interval_days (working days when working_days).
CREATE TABLE care_households (
    household_id TEXT PRIMARY KEY NOT NULL REFERENCES households (id),
    needs TEXT NOT NULL,
    interval_days INTEGER NOT NULL,
    working_days BOOLEAN NOT NULL,
    set_by TEXT NOT NULL REFERENCES users (id),
    set_at TIMESTAMP NOT NULL
);

CREATE TABLE visits (
    id TEXT PRIMARY KEY NOT NULL,
    grid_id TEXT NOT NULL REFERENCES grids (id),
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    household_id TEXT NOT NULL REFERENCES households (id),
    visitor_id TEXT NOT NULL REFERENCES users (id),
    client_id TEXT,
    kind TEXT NOT NULL,
    met TEXT NOT NULL,
    note TEXT NOT NULL,
    info_items INTEGER NOT NULL DEFAULT 0,
    lat DOUBLE PRECISION,
    lng DOUBLE PRECISION,
    case_id TEXT REFERENCES cases (id),
    visited_at TIMESTAMP NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
-- An offline visit synced twice is made once.
CREATE UNIQUE INDEX visits_client ON visits (visitor_id, client_id);
-- Covering: a grid's figures (visits, households reached, information items) read the index only.
CREATE INDEX visits_grid_time ON visits (grid_id, visited_at, household_id, info_items);
CREATE INDEX visits_household_time ON visits (household_id, visited_at);
ALTER TABLE media ADD COLUMN visit_id TEXT REFERENCES visits (id);
CREATE INDEX media_visit ON media (visit_id);

CREATE TABLE patrols (
    id TEXT PRIMARY KEY NOT NULL,
    grid_id TEXT NOT NULL REFERENCES grids (id),
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    walker_id TEXT NOT NULL REFERENCES users (id),
    client_id TEXT,
    status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    started_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    point_count INTEGER NOT NULL DEFAULT 0,
    distance_m INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX patrols_client ON patrols (walker_id, client_id);
CREATE INDEX patrols_grid_time ON patrols (grid_id, started_at);

-- Points arrive from the phone in batches; a batch sent again adds nothing (seq is the phone's).
CREATE TABLE patrol_points (
    patrol_id TEXT NOT NULL REFERENCES patrols (id),
    seq INTEGER NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lng DOUBLE PRECISION NOT NULL,
    at TIMESTAMP NOT NULL,
    PRIMARY KEY (patrol_id, seq)
);

-- Hazards found on a patrol, each filed as a case.
CREATE TABLE patrol_hazards (
    case_id TEXT PRIMARY KEY NOT NULL REFERENCES cases (id),
    patrol_id TEXT NOT NULL REFERENCES patrols (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX patrol_hazards_patrol ON patrol_hazards (patrol_id);
