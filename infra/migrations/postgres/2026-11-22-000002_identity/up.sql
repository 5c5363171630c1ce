-- Identity: accounts, sessions, the org tree, grids, departments, role grants, residency,
-- households, consents and the audit log.
CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    username TEXT UNIQUE,
    password_hash TEXT,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    display_name TEXT NOT NULL,
    openid TEXT UNIQUE,
    unionid TEXT,
    phone TEXT,
    is_demo BOOLEAN NOT NULL DEFAULT FALSE,
    deleted_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Refresh tokens by hash; a used one stays, so its reuse is recognised (and kills the session).
CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL REFERENCES sessions (id),
    created_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

CREATE TABLE consents (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    policy_version TEXT NOT NULL,
    accepted_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, policy_version)
);

-- The tree keeps each unit's path from the root ("/county/township/…/self/") so a subtree is a
-- prefix match and a unit's ancestors are read without recursion.
CREATE TABLE org_units (
    id TEXT PRIMARY KEY NOT NULL,
    parent_id TEXT REFERENCES org_units (id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    path TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX org_units_parent ON org_units (parent_id);

CREATE TABLE grids (
    id TEXT PRIMARY KEY NOT NULL,
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    level TEXT NOT NULL,
    name TEXT NOT NULL,
    boundary TEXT NOT NULL,
    min_lat DOUBLE PRECISION NOT NULL,
    min_lng DOUBLE PRECISION NOT NULL,
    max_lat DOUBLE PRECISION NOT NULL,
    max_lng DOUBLE PRECISION NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX grids_org_unit ON grids (org_unit_id);
CREATE INDEX grids_bbox ON grids (min_lat, max_lat, min_lng, max_lng);

CREATE TABLE departments (
    id TEXT PRIMARY KEY NOT NULL,
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (org_unit_id, name)
);

CREATE TABLE role_grants (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    scope_kind TEXT NOT NULL,
    scope_id TEXT NOT NULL,
    granted_by TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoked_by TEXT REFERENCES users (id)
);
CREATE INDEX role_grants_user ON role_grants (user_id);
CREATE INDEX role_grants_scope ON role_grants (scope_kind, scope_id);

CREATE TABLE households (
    id TEXT PRIMARY KEY NOT NULL,
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    name TEXT NOT NULL,
    head_user_id TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX households_org_unit ON households (org_unit_id);

-- A person belongs to one household at a time.
CREATE TABLE household_members (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    household_id TEXT NOT NULL REFERENCES households (id),
    relation TEXT NOT NULL,
    joined_at TIMESTAMP NOT NULL
);
CREATE INDEX household_members_household ON household_members (household_id);

CREATE TABLE residencies (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    household_id TEXT REFERENCES households (id),
    new_household_name TEXT,
    relation TEXT NOT NULL,
    -- The staff member who filed it for the resident (代办), if any.
    proxied_by TEXT REFERENCES users (id),
    status TEXT NOT NULL,
    reason TEXT,
    decided_by TEXT REFERENCES users (id),
    decided_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX residencies_org_unit_status ON residencies (org_unit_id, status, id);
CREATE INDEX residencies_user ON residencies (user_id);

-- Append-only: no route updates or deletes it.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY NOT NULL,
    actor_id TEXT,
    acting_for TEXT,
    action TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    details TEXT NOT NULL,
    ip TEXT,
    request_id TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_object ON audit_log (object_kind, object_id);

-- One open application per person at a time.
CREATE UNIQUE INDEX residencies_one_pending ON residencies (user_id) WHERE status = 'pending';
