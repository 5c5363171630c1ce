-- The public board of a village (五亮): its cadres' posts and duties, the supervisory
-- committee's contact, and its versioned public documents (village rules, the three lists and
-- the small-powers list).

-- A cadre's post (干部亮职): the person, the post, its duties, the post's own contact phone (shown
-- masked), its place on the board. A person holds a post once.
CREATE TABLE board_cadre_posts (
    id TEXT PRIMARY KEY NOT NULL,
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    person_id TEXT NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    duties TEXT NOT NULL DEFAULT '',
    phone TEXT,
    position INTEGER NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (org_unit_id, person_id, title)
);
CREATE INDEX board_cadre_posts_unit ON board_cadre_posts (org_unit_id, position);

-- The supervisory committee's contact (监督亮责), one per village.
CREATE TABLE board_supervision (
    org_unit_id TEXT PRIMARY KEY NOT NULL REFERENCES org_units (id),
    committee TEXT NOT NULL,
    phone TEXT,
    address TEXT NOT NULL DEFAULT '',
    updated_by TEXT NOT NULL REFERENCES users (id),
    updated_at TIMESTAMP NOT NULL
);

-- A version of a village's public document; powers is JSON (the small-powers list's items, an
-- empty list for other kinds). One version of a kind in force per village, one waiting for a vote.
CREATE TABLE board_documents (
    id TEXT PRIMARY KEY NOT NULL,
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    kind TEXT NOT NULL,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    powers TEXT NOT NULL,
    poll_id TEXT REFERENCES polls (id),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    in_force_at TIMESTAMP,
    UNIQUE (org_unit_id, kind, version)
);
CREATE UNIQUE INDEX board_documents_in_force ON board_documents (org_unit_id, kind) WHERE status = 'in_force';
CREATE UNIQUE INDEX board_documents_pending ON board_documents (org_unit_id, kind) WHERE status = 'pending_vote';
CREATE INDEX board_documents_poll ON board_documents (poll_id) WHERE poll_id IS NOT NULL;
