-- Points (积分制): versioned rule sets per unit, entries on their way to the ledger, public
-- postings and objections, the append-only ledger with a hash chain per account and each
-- account's cached balance, the redemption catalog and orders, volunteer teams and their
-- service sessions, and dividends.

-- A version of a unit's rules; the one in force for a village is the active set nearest up its
-- path. base_points and star_thresholds are JSON (steps by household size; up to five rising
-- thresholds).
CREATE TABLE points_rule_sets (
    id TEXT PRIMARY KEY NOT NULL,
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    base_points TEXT NOT NULL,
    star_thresholds TEXT NOT NULL,
    poll_id TEXT REFERENCES polls (id),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    activated_at TIMESTAMP,
    UNIQUE (org_unit_id, version)
);
-- At most one set in force per unit, and at most one waiting for its vote.
CREATE UNIQUE INDEX points_rule_sets_active ON points_rule_sets (org_unit_id) WHERE status = 'active';
CREATE UNIQUE INDEX points_rule_sets_pending ON points_rule_sets (org_unit_id) WHERE status = 'pending_vote';
CREATE INDEX points_rule_sets_poll ON points_rule_sets (poll_id) WHERE poll_id IS NOT NULL;

-- One activity type; recorders is a comma-separated list of roles.
CREATE TABLE points_rules (
    id TEXT PRIMARY KEY NOT NULL,
    rule_set_id TEXT NOT NULL REFERENCES points_rule_sets (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    points INTEGER NOT NULL,
    cap INTEGER,
    cap_period TEXT,
    subject TEXT NOT NULL,
    automatic TEXT,
    recorders TEXT NOT NULL,
    claimable BOOLEAN NOT NULL,
    position INTEGER NOT NULL,
    UNIQUE (rule_set_id, code)
);

-- A public posting (公示) of a village's entries or of a dividend.
CREATE TABLE points_postings (
    id TEXT PRIMARY KEY NOT NULL,
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP,
    created_by TEXT NOT NULL REFERENCES users (id)
);
CREATE INDEX points_postings_unit ON points_postings (org_unit_id, opened_at);
CREATE INDEX points_postings_open ON points_postings (ends_at) WHERE status = 'open';

-- An entry: whose (user_id, in the village org_unit_id), by which rule, how many points, and
-- where it is on its way. (source, source_ref, rule_code) makes an automatic entry once.
CREATE TABLE points_entries (
    id TEXT PRIMARY KEY NOT NULL,
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    rule_id TEXT NOT NULL REFERENCES points_rules (id),
    rule_code TEXT NOT NULL,
    subject TEXT NOT NULL,
    points INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    occurred_on DATE NOT NULL,
    status TEXT NOT NULL,
    source TEXT NOT NULL,
    source_ref TEXT,
    recorded_by TEXT REFERENCES users (id),
    reviewed_by TEXT REFERENCES users (id),
    reviewed_at TIMESTAMP,
    reject_reason TEXT,
    posting_id TEXT REFERENCES points_postings (id),
    effective_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX points_entries_source ON points_entries (source, source_ref, rule_code) WHERE source_ref IS NOT NULL;
CREATE INDEX points_entries_unit_status ON points_entries (org_unit_id, status, created_at);
CREATE INDEX points_entries_user ON points_entries (user_id, created_at);
CREATE INDEX points_entries_posting ON points_entries (posting_id) WHERE posting_id IS NOT NULL;
-- Caps read a person's entries of one rule in a period.
CREATE INDEX points_entries_cap ON points_entries (user_id, org_unit_id, rule_code, occurred_on);

-- Evidence photos of a claim.
ALTER TABLE media ADD COLUMN points_entry_id TEXT REFERENCES points_entries (id);
CREATE INDEX media_points_entry ON media (points_entry_id) WHERE points_entry_id IS NOT NULL;

-- A resident's objection to a posted entry (entry_id) or to a household's dividend share
-- (household_id), with staff's answer.
CREATE TABLE points_objections (
    id TEXT PRIMARY KEY NOT NULL,
    posting_id TEXT NOT NULL REFERENCES points_postings (id),
    entry_id TEXT REFERENCES points_entries (id),
    household_id TEXT REFERENCES households (id),
    objector_id TEXT NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    answer TEXT,
    decided_by TEXT REFERENCES users (id),
    decided_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX points_objections_posting ON points_objections (posting_id, status);
CREATE UNIQUE INDEX points_objections_once ON points_objections (posting_id, objector_id, entry_id, household_id);

-- An account: a person's or a household's points in one village. balance and earned (what
-- counts for rankings: everything but spending and refunds) are the sums of its ledger rows,
-- kept in the same transaction; seq and last_hash are its chain's head. Spending never takes
-- balance below zero (a guarded update); only a penalty can.
CREATE TABLE points_accounts (
    id TEXT PRIMARY KEY NOT NULL,
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    holder TEXT NOT NULL,
    holder_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    balance BIGINT NOT NULL DEFAULT 0,
    earned BIGINT NOT NULL DEFAULT 0,
    seq BIGINT NOT NULL DEFAULT 0,
    last_hash TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (org_unit_id, holder, holder_id, subject)
);
CREATE INDEX points_accounts_holder ON points_accounts (holder, holder_id);
CREATE INDEX points_accounts_rank ON points_accounts (org_unit_id, holder, subject, earned);

-- The ledger: append-only. reference is the entry, order or reversed row it records.
CREATE TABLE points_ledger (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES points_accounts (id),
    seq BIGINT NOT NULL,
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    kind TEXT NOT NULL,
    points BIGINT NOT NULL,
    reference TEXT NOT NULL,
    memo TEXT NOT NULL DEFAULT '',
    at TIMESTAMP NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (account_id, seq)
);
-- A reference is recorded once per account and kind (an entry takes effect once, an order is
-- spent and refunded once).
CREATE UNIQUE INDEX points_ledger_reference ON points_ledger (account_id, kind, reference);
-- Monthly rankings and dividends read a village's rows in a period.
CREATE INDEX points_ledger_unit_at ON points_ledger (org_unit_id, at);

-- The catalog: goods, services and credit benefits with a points price and stock.
CREATE TABLE points_items (
    id TEXT PRIMARY KEY NOT NULL,
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    price INTEGER NOT NULL,
    stock INTEGER NOT NULL,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (stock >= 0),
    CHECK (price > 0)
);
CREATE INDEX points_items_unit ON points_items (org_unit_id, active);

CREATE TABLE points_orders (
    id TEXT PRIMARY KEY NOT NULL,
    item_id TEXT NOT NULL REFERENCES points_items (id),
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    quantity INTEGER NOT NULL,
    points INTEGER NOT NULL,
    status TEXT NOT NULL,
    handled_by TEXT REFERENCES users (id),
    handled_at TIMESTAMP,
    cancel_reason TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX points_orders_user ON points_orders (user_id, created_at);
CREATE INDEX points_orders_unit ON points_orders (org_unit_id, status, created_at);

-- Volunteer teams (4–6 people in Loudi), their members and service sessions.
CREATE TABLE volunteer_teams (
    id TEXT PRIMARY KEY NOT NULL,
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    name TEXT NOT NULL,
    leader_id TEXT NOT NULL REFERENCES users (id),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (org_unit_id, name)
);
CREATE TABLE volunteer_team_members (
    team_id TEXT NOT NULL REFERENCES volunteer_teams (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    joined_at TIMESTAMP NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX volunteer_team_members_user ON volunteer_team_members (user_id);
CREATE TABLE service_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    team_id TEXT NOT NULL REFERENCES volunteer_teams (id),
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    title TEXT NOT NULL,
    served_on DATE NOT NULL,
    status TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    decided_by TEXT REFERENCES users (id),
    decided_at TIMESTAMP,
    reject_reason TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX service_sessions_team ON service_sessions (team_id, served_on);
CREATE INDEX service_sessions_unit ON service_sessions (org_unit_id, status);
CREATE TABLE service_hours (
    session_id TEXT NOT NULL REFERENCES service_sessions (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    minutes INTEGER NOT NULL,
    PRIMARY KEY (session_id, user_id)
);

-- A dividend: a village's distributable income (fen) shared by households' earned points up to a
-- cut-off date, posted for objection, then final.
CREATE TABLE points_dividends (
    id TEXT PRIMARY KEY NOT NULL,
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    title TEXT NOT NULL,
    total_fen BIGINT NOT NULL,
    cut_off DATE NOT NULL,
    status TEXT NOT NULL,
    posting_id TEXT REFERENCES points_postings (id),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX points_dividends_unit ON points_dividends (org_unit_id, created_at);
CREATE TABLE points_dividend_shares (
    dividend_id TEXT NOT NULL REFERENCES points_dividends (id),
    household_id TEXT NOT NULL REFERENCES households (id),
    points BIGINT NOT NULL,
    fen BIGINT NOT NULL,
    PRIMARY KEY (dividend_id, household_id)
);
