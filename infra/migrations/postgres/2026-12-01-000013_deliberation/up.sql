-- Cloud deliberation (云议事): the catalog of deliberable matters, triage schemes and the
-- township's triage reference catalog, matters with their timeline, supports, sheets and
-- opinions, the content check's word list, member pools and service directories, versioned
-- village documents, meetings (invitees, agenda, check-in, attendance) and the courtyard
-- meeting's problem ledger, resolutions, mediation agreements, commitments with progress,
-- evaluations and follow-up visits. Per-matter extras live in side tables.

CREATE TABLE deliberation_categories (
    code TEXT PRIMARY KEY NOT NULL,
    parent_code TEXT REFERENCES deliberation_categories (code),
    name TEXT NOT NULL,
    sort_order INTEGER NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT TRUE
);
INSERT INTO deliberation_categories (code, name, sort_order) VALUES
    ('institution', '制度建设', 10),
    ('public_welfare', '公共事务和公益事业', 20),
    ('village_affairs', '村务管理', 30),
    ('other', '其他', 40);

-- The scheme of a village or township; a unit without one takes its nearest ancestor's.
CREATE TABLE triage_schemes (
    org_unit_id TEXT PRIMARY KEY NOT NULL REFERENCES org_units (id),
    scheme TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE triage_items (
    id TEXT PRIMARY KEY NOT NULL,
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    scheme TEXT NOT NULL,
    tier TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX triage_items_unit ON triage_items (org_unit_id, scheme, tier);

CREATE TABLE matters (
    id TEXT PRIMARY KEY NOT NULL,
    scope_id TEXT NOT NULL REFERENCES org_units (id),
    village_id TEXT NOT NULL REFERENCES org_units (id),
    category TEXT NOT NULL REFERENCES deliberation_categories (code),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    author_id TEXT NOT NULL REFERENCES users (id),
    proxy_id TEXT REFERENCES users (id),
    origin TEXT NOT NULL,
    status TEXT NOT NULL,
    moderation TEXT NOT NULL,
    moderation_note TEXT NOT NULL DEFAULT '',
    scheme TEXT,
    tier TEXT,
    route TEXT,
    triage_item_id TEXT REFERENCES triage_items (id),
    triage_note TEXT,
    merged_into TEXT REFERENCES matters (id),
    case_id TEXT REFERENCES cases (id),
    supports INTEGER NOT NULL DEFAULT 0,
    opinions INTEGER NOT NULL DEFAULT 0,
    client_id TEXT,
    raised_at TIMESTAMP NOT NULL,
    triage_due TIMESTAMP,
    triage_flagged_at TIMESTAMP,
    triaged_at TIMESTAMP,
    resolved_at TIMESTAMP,
    rating_closes_at TIMESTAMP,
    closed_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 0
);
-- A village's list walks (village_id, id) in order; a scope's the same by scope.
CREATE INDEX matters_village ON matters (village_id, id);
CREATE INDEX matters_scope ON matters (scope_id, id);
CREATE INDEX matters_author ON matters (author_id, id);
CREATE INDEX matters_status ON matters (status, triage_due);
CREATE INDEX matters_case ON matters (case_id);
CREATE UNIQUE INDEX matters_client ON matters (author_id, client_id);

-- Every step of a matter, with who and when: the dossier's spine.
CREATE TABLE matter_events (
    id TEXT PRIMARY KEY NOT NULL,
    matter_id TEXT NOT NULL REFERENCES matters (id),
    kind TEXT NOT NULL,
    actor_id TEXT REFERENCES users (id),
    proxy_id TEXT REFERENCES users (id),
    status_after TEXT,
    note TEXT NOT NULL DEFAULT '',
    details TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX matter_events_matter ON matter_events (matter_id, id);

CREATE TABLE matter_supports (
    matter_id TEXT NOT NULL REFERENCES matters (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (matter_id, user_id)
);

-- The three sheets: record (民情记录单), suggestion (民情建议单), supervision (民情督办单).
CREATE TABLE matter_sheets (
    id TEXT PRIMARY KEY NOT NULL,
    matter_id TEXT NOT NULL REFERENCES matters (id),
    kind TEXT NOT NULL,
    commitment_id TEXT,
    body TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    created_by TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP
);
CREATE INDEX matter_sheets_matter ON matter_sheets (matter_id, kind);
-- One supervision sheet per slipped commitment, even with two sweepers.
CREATE UNIQUE INDEX matter_sheets_supervision ON matter_sheets (commitment_id, kind);

CREATE TABLE solicitations (
    matter_id TEXT PRIMARY KEY NOT NULL REFERENCES matters (id),
    opens_at TIMESTAMP NOT NULL,
    closes_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE opinions (
    id TEXT PRIMARY KEY NOT NULL,
    matter_id TEXT NOT NULL REFERENCES matters (id),
    parent_id TEXT REFERENCES opinions (id),
    author_id TEXT NOT NULL REFERENCES users (id),
    proxy_id TEXT REFERENCES users (id),
    body TEXT NOT NULL,
    moderation TEXT NOT NULL,
    moderation_note TEXT NOT NULL DEFAULT '',
    supports INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX opinions_matter ON opinions (matter_id, id);

CREATE TABLE opinion_supports (
    opinion_id TEXT NOT NULL REFERENCES opinions (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (opinion_id, user_id)
);

-- The local word list of the content check, kept by admins.
CREATE TABLE moderation_words (
    word TEXT PRIMARY KEY NOT NULL,
    added_by TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

-- A village's member pool (成员库: respected residents, 乡贤, social workers, organisations)
-- and its directory of services for referrals (kind 'service').
CREATE TABLE deliberation_members (
    id TEXT PRIMARY KEY NOT NULL,
    village_id TEXT NOT NULL REFERENCES org_units (id),
    user_id TEXT REFERENCES users (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    contact TEXT,
    note TEXT NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX deliberation_members_village ON deliberation_members (village_id, kind);

-- Stakeholders invited to one matter (邀约协商).
CREATE TABLE matter_stakeholders (
    id TEXT PRIMARY KEY NOT NULL,
    matter_id TEXT NOT NULL REFERENCES matters (id),
    member_id TEXT REFERENCES deliberation_members (id),
    user_id TEXT REFERENCES users (id),
    name TEXT NOT NULL,
    invited_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX matter_stakeholders_matter ON matter_stakeholders (matter_id);

-- Versioned documents of a village: the rules of procedure (《议事协商规则》).
CREATE TABLE village_documents (
    id TEXT PRIMARY KEY NOT NULL,
    village_id TEXT NOT NULL REFERENCES org_units (id),
    kind TEXT NOT NULL,
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX village_documents_version ON village_documents (village_id, kind, version);

CREATE TABLE meetings (
    id TEXT PRIMARY KEY NOT NULL,
    village_id TEXT NOT NULL REFERENCES org_units (id),
    scope_id TEXT NOT NULL REFERENCES org_units (id),
    title TEXT NOT NULL,
    mode TEXT NOT NULL,
    courtyard BOOLEAN NOT NULL DEFAULT FALSE,
    starts_at TIMESTAMP,
    ends_at TIMESTAMP,
    place TEXT,
    lat DOUBLE PRECISION,
    lng DOUBLE PRECISION,
    link TEXT,
    capacity INTEGER,
    registration BOOLEAN NOT NULL DEFAULT FALSE,
    status TEXT NOT NULL,
    minutes TEXT,
    organiser_id TEXT NOT NULL REFERENCES users (id),
    announced_at TIMESTAMP,
    reminded_at TIMESTAMP,
    held_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX meetings_village ON meetings (village_id, id);
CREATE INDEX meetings_reminders ON meetings (status, starts_at);

CREATE TABLE meeting_invitees (
    id TEXT PRIMARY KEY NOT NULL,
    meeting_id TEXT NOT NULL REFERENCES meetings (id),
    user_id TEXT REFERENCES users (id),
    member_id TEXT REFERENCES deliberation_members (id),
    name TEXT NOT NULL,
    rsvp TEXT NOT NULL DEFAULT 'pending',
    rsvp_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX meeting_invitees_meeting ON meeting_invitees (meeting_id);
CREATE UNIQUE INDEX meeting_invitees_user ON meeting_invitees (meeting_id, user_id);

CREATE TABLE meeting_agenda (
    meeting_id TEXT NOT NULL REFERENCES meetings (id),
    matter_id TEXT NOT NULL REFERENCES matters (id),
    position INTEGER NOT NULL,
    outcome TEXT,
    PRIMARY KEY (meeting_id, matter_id)
);

-- The organiser's current check-in code (kept as a hash), and who checked in.
CREATE TABLE meeting_checkin_codes (
    meeting_id TEXT PRIMARY KEY NOT NULL REFERENCES meetings (id),
    code_hash TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE meeting_attendance (
    meeting_id TEXT NOT NULL REFERENCES meetings (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    method TEXT NOT NULL,
    recorded_by TEXT REFERENCES users (id),
    checked_in_at TIMESTAMP NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
);

-- The courtyard meeting's problem ledger: a matter raised on the spot, its answer and revisit.
CREATE TABLE courtyard_items (
    matter_id TEXT PRIMARY KEY NOT NULL REFERENCES matters (id),
    meeting_id TEXT NOT NULL REFERENCES meetings (id),
    speaker_id TEXT REFERENCES users (id),
    anonymous BOOLEAN NOT NULL DEFAULT FALSE,
    answer_due TIMESTAMP NOT NULL,
    answer TEXT,
    answered_at TIMESTAMP,
    revisit_due TIMESTAMP,
    revisit_note TEXT,
    revisited_at TIMESTAMP,
    overdue_at TIMESTAMP
);
CREATE INDEX courtyard_items_meeting ON courtyard_items (meeting_id);
CREATE INDEX courtyard_items_due ON courtyard_items (answered_at, answer_due);

CREATE TABLE resolutions (
    matter_id TEXT PRIMARY KEY NOT NULL REFERENCES matters (id),
    decided_by TEXT NOT NULL,
    body TEXT NOT NULL,
    meeting_id TEXT REFERENCES meetings (id),
    vote_ref TEXT,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    decided_at TIMESTAMP NOT NULL
);

CREATE TABLE agreements (
    id TEXT PRIMARY KEY NOT NULL,
    matter_id TEXT NOT NULL REFERENCES matters (id),
    body TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX agreements_matter ON agreements (matter_id);

CREATE TABLE agreement_parties (
    id TEXT PRIMARY KEY NOT NULL,
    agreement_id TEXT NOT NULL REFERENCES agreements (id),
    user_id TEXT REFERENCES users (id),
    name TEXT NOT NULL,
    acknowledged_at TIMESTAMP,
    method TEXT,
    recorded_by TEXT REFERENCES users (id)
);
CREATE INDEX agreement_parties_agreement ON agreement_parties (agreement_id);

CREATE TABLE commitments (
    id TEXT PRIMARY KEY NOT NULL,
    matter_id TEXT NOT NULL REFERENCES matters (id),
    agreement_id TEXT REFERENCES agreements (id),
    owner_id TEXT REFERENCES users (id),
    owner_committee TEXT,
    what TEXT NOT NULL,
    due_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL,
    extensions INTEGER NOT NULL DEFAULT 0,
    done_at TIMESTAMP,
    overdue_at TIMESTAMP,
    escalated_at TIMESTAMP,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX commitments_matter ON commitments (matter_id);
CREATE INDEX commitments_due ON commitments (status, due_at);

CREATE TABLE commitment_progress (
    id TEXT PRIMARY KEY NOT NULL,
    commitment_id TEXT NOT NULL REFERENCES commitments (id),
    author_id TEXT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    done BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX commitment_progress_commitment ON commitment_progress (commitment_id, id);

CREATE TABLE evaluations (
    matter_id TEXT NOT NULL REFERENCES matters (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    rating INTEGER NOT NULL,
    comment TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (matter_id, user_id)
);

CREATE TABLE matter_revisits (
    id TEXT PRIMARY KEY NOT NULL,
    matter_id TEXT NOT NULL REFERENCES matters (id),
    visitor_id TEXT NOT NULL REFERENCES users (id),
    note TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX matter_revisits_matter ON matter_revisits (matter_id);

-- Photos and voice notes of a matter (its text, an opinion, a progress report).
ALTER TABLE media ADD COLUMN matter_id TEXT;
