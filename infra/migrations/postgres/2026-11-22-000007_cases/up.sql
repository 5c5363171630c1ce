-- Grid cases (网格事件): the category catalog, cases with their place on the ladder and their
-- deadlines, the timeline, followers ("me too"), media, the working-day calendar and Open311
-- API keys.
CREATE TABLE case_categories (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    duty TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    department_id TEXT REFERENCES departments (id),
    public_by_default BOOLEAN NOT NULL DEFAULT TRUE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    sort_order INTEGER NOT NULL DEFAULT 0
);
INSERT INTO case_categories (code, name, duty, description, public_by_default, sort_order) VALUES
    ('information', '基础信息采集', 'information', '人口、房屋、单位等基础信息的采集与更新', FALSE, 10),
    ('public_opinion', '社情民意', 'public_opinion', '群众的意见、建议和诉求', TRUE, 20),
    ('hazard', '安全隐患', 'hazard', '巡查发现的各类安全隐患', TRUE, 30),
    ('dispute', '矛盾纠纷', 'dispute', '需要排查调解的矛盾纠纷', FALSE, 40),
    ('policy', '政策咨询', 'policy', '法律法规和政策的宣传解答', TRUE, 50),
    ('road', '道路交通', 'hazard', '道路破损、路灯、桥梁、交通设施', TRUE, 60),
    ('water', '供水排水', 'public_opinion', '停水、水管破裂、水质、排水不畅', TRUE, 70),
    ('power', '供电', 'public_opinion', '停电、线路老化、电杆倾斜', TRUE, 80),
    ('sanitation', '环境卫生', 'public_opinion', '垃圾清运、污水、乱堆乱放', TRUE, 90),
    ('noise', '噪音扰民', 'public_opinion', '施工、经营、广场舞等噪音', TRUE, 100),
    ('safety', '治安消防', 'hazard', '治安、消防通道、燃气等安全问题', TRUE, 110),
    ('neighbour_dispute', '邻里纠纷', 'dispute', '邻里之间的纠纷', FALSE, 120),
    ('other', '其他', 'public_opinion', '以上类别之外的问题', TRUE, 130);

CREATE TABLE cases (
    id TEXT PRIMARY KEY NOT NULL,
    category TEXT NOT NULL REFERENCES case_categories (code),
    description TEXT NOT NULL,
    lat DOUBLE PRECISION,
    lng DOUBLE PRECISION,
    cell BIGINT,
    address TEXT,
    urgency TEXT NOT NULL,
    anonymous BOOLEAN NOT NULL,
    is_public BOOLEAN NOT NULL,
    reporter_id TEXT NOT NULL REFERENCES users (id),
    client_id TEXT,
    grid_id TEXT REFERENCES grids (id),
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    department_id TEXT REFERENCES departments (id),
    level TEXT NOT NULL,
    status TEXT NOT NULL,
    outcome TEXT,
    merged_into TEXT REFERENCES cases (id),
    captured_at TIMESTAMP NOT NULL,
    reported_at TIMESTAMP NOT NULL,
    first_accepted_at TIMESTAMP,
    resolved_at TIMESTAMP,
    closed_at TIMESTAMP,
    accept_due TIMESTAMP,
    resolve_due TIMESTAMP,
    confirm_due TIMESTAMP,
    next_due TIMESTAMP,
    overdue BOOLEAN NOT NULL DEFAULT FALSE,
    escalations INTEGER NOT NULL DEFAULT 0,
    rating INTEGER,
    version INTEGER NOT NULL DEFAULT 0
);
-- The proxy (a grid worker filing for a resident), the rating comment and the follower count
-- live in the timeline and the followers table.
-- Offline capture: a client id is unique per reporter, so a synced retry never makes two.
CREATE UNIQUE INDEX cases_client ON cases (reporter_id, client_id);
-- The sweeper finds due cases by this index, never by a scan.
CREATE INDEX cases_due ON cases (next_due);
-- Duplicates and the map: open cases (closed_at IS NULL) in the cells around a point, narrowed
-- to the circle's bounding box inside the index; partial, so it stays as small as the open
-- cases however many closed ones pile up.
CREATE INDEX cases_open_cell ON cases (category, cell, lat, lng) WHERE closed_at IS NULL;
CREATE INDEX cases_open_map ON cases (cell, lat, lng) WHERE closed_at IS NULL;
CREATE INDEX cases_unit ON cases (org_unit_id, id);
CREATE INDEX cases_grid ON cases (grid_id, id);
CREATE INDEX cases_department ON cases (department_id, id);
CREATE INDEX cases_reporter ON cases (reporter_id, id);
CREATE INDEX cases_unit_reported ON cases (org_unit_id, reported_at);
CREATE INDEX cases_public ON cases (is_public, id);

CREATE TABLE case_events (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    seq INTEGER NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT,
    from_level TEXT,
    to_level TEXT,
    actor_id TEXT REFERENCES users (id),
    proxy_id TEXT REFERENCES users (id),
    by_reporter BOOLEAN NOT NULL DEFAULT FALSE,
    note TEXT,
    attachments TEXT NOT NULL DEFAULT '[]',
    details TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL
);
-- One event per step: two concurrent transitions of one case cannot both be recorded.
CREATE UNIQUE INDEX case_events_seq ON case_events (case_id, seq);

CREATE TABLE case_followers (
    case_id TEXT NOT NULL REFERENCES cases (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_followers_user ON case_followers (user_id, case_id);

CREATE TABLE media (
    id TEXT PRIMARY KEY NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    mime TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    case_id TEXT REFERENCES cases (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX media_case ON media (case_id);
CREATE INDEX media_owner ON media (owner_id, id);

CREATE TABLE calendar_days (
    day TEXT PRIMARY KEY NOT NULL,
    year INTEGER NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL
);
CREATE INDEX calendar_days_year ON calendar_days (year);

CREATE TABLE open311_keys (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    last_used_at TIMESTAMP
);
