-- Notices (阳光村务): what staff post for a unit, with its posting period (the objection
-- window), public or for the unit's residents only; withdrawn with a reason, never deleted.
-- Residents' objections, once per resident per notice. The mini-program code of a unit's
-- board, fetched from WeChat once and kept.
CREATE TABLE notices (
    id TEXT PRIMARY KEY NOT NULL,
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    is_public BOOLEAN NOT NULL,
    posted_from TIMESTAMP NOT NULL,
    posted_to TIMESTAMP NOT NULL,
    status TEXT NOT NULL,
    withdraw_reason TEXT,
    withdrawn_at TIMESTAMP,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX notices_unit ON notices (org_unit_id, id);

CREATE TABLE notice_objections (
    id TEXT PRIMARY KEY NOT NULL,
    notice_id TEXT NOT NULL REFERENCES notices (id),
    objector_id TEXT NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    answer TEXT,
    answered_by TEXT REFERENCES users (id),
    answered_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (notice_id, objector_id)
);

-- One code per unit: concurrent first requests store one.
CREATE TABLE notice_board_codes (
    org_unit_id TEXT PRIMARY KEY NOT NULL REFERENCES org_units (id),
    scene TEXT NOT NULL,
    mime TEXT NOT NULL,
    image BYTEA NOT NULL,
    created_at TIMESTAMP NOT NULL
);

ALTER TABLE media ADD COLUMN notice_id TEXT REFERENCES notices (id);
CREATE INDEX media_notice ON media (notice_id) WHERE notice_id IS NOT NULL;
