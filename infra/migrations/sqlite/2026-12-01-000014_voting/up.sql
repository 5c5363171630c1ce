-- E-voting (云票选): polls with their options, the electorate frozen at opening (the roll),
-- who took part (one row per voter or household: the unique key that makes one vote each),
-- ballots (a random id, the choices, the receipt; no voter and no time finer than the poll's day
-- on a secret poll), golden-idea contests and their ideas.

CREATE TABLE polls (
    id TEXT PRIMARY KEY NOT NULL,
    scope_id TEXT NOT NULL REFERENCES org_units (id),
    village_id TEXT NOT NULL REFERENCES org_units (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    max_choices INTEGER,
    secrecy TEXT NOT NULL,
    electorate TEXT NOT NULL,
    results TEXT NOT NULL,
    shuffle BOOLEAN NOT NULL DEFAULT FALSE,
    quorum_percent INTEGER,
    threshold TEXT,
    status TEXT NOT NULL,
    opens_at TIMESTAMP NOT NULL,
    closes_at TIMESTAMP NOT NULL,
    electorate_size INTEGER,
    roll_hash TEXT,
    board_digest TEXT,
    outcome TEXT,
    cancel_reason TEXT,
    matter_id TEXT REFERENCES matters (id),
    contest_id TEXT,
    reminded_at TIMESTAMP,
    published_at TIMESTAMP,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX polls_village ON polls (village_id, id);
CREATE INDEX polls_due ON polls (status, opens_at);
CREATE INDEX polls_closing ON polls (status, closes_at);

CREATE TABLE poll_options (
    id TEXT PRIMARY KEY NOT NULL,
    poll_id TEXT NOT NULL REFERENCES polls (id),
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    media_id TEXT,
    idea_id TEXT
);
CREATE UNIQUE INDEX poll_options_position ON poll_options (poll_id, position);

-- The electorate frozen at opening: a voter's account, or a household for one vote per
-- household; its hash is published with the poll.
CREATE TABLE poll_roll (
    poll_id TEXT NOT NULL REFERENCES polls (id),
    voter_key TEXT NOT NULL,
    PRIMARY KEY (poll_id, voter_key)
);

-- Who took part, kept apart from what they voted on a secret poll: the primary key is the
-- one-vote rule, written in the same transaction as the ballot.
CREATE TABLE poll_participation (
    poll_id TEXT NOT NULL REFERENCES polls (id),
    voter_key TEXT NOT NULL,
    voter_id TEXT NOT NULL REFERENCES users (id),
    origin TEXT NOT NULL,
    recorded_by TEXT REFERENCES users (id),
    voted_on DATE NOT NULL,
    PRIMARY KEY (poll_id, voter_key)
);

-- A ballot: a random id, the choices (option positions, JSON), the receipt. On an open poll it
-- names its voter (one current ballot each, replaced until close); on a secret poll it does not,
-- and carries no time finer than the poll's day.
CREATE TABLE ballots (
    id TEXT PRIMARY KEY NOT NULL,
    poll_id TEXT NOT NULL REFERENCES polls (id),
    choices TEXT NOT NULL,
    receipt TEXT NOT NULL,
    origin TEXT NOT NULL,
    voter_id TEXT REFERENCES users (id),
    cast_on DATE NOT NULL
);
CREATE INDEX ballots_poll ON ballots (poll_id, id);
CREATE UNIQUE INDEX ballots_receipt ON ballots (poll_id, receipt);
CREATE UNIQUE INDEX ballots_open_voter ON ballots (poll_id, voter_id);

CREATE TABLE contests (
    id TEXT PRIMARY KEY NOT NULL,
    scope_id TEXT NOT NULL REFERENCES org_units (id),
    village_id TEXT NOT NULL REFERENCES org_units (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    submit_opens_at TIMESTAMP NOT NULL,
    submit_closes_at TIMESTAMP NOT NULL,
    vote_opens_at TIMESTAMP NOT NULL,
    vote_closes_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL,
    poll_id TEXT REFERENCES polls (id),
    winners INTEGER NOT NULL DEFAULT 1,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX contests_village ON contests (village_id, id);

CREATE TABLE ideas (
    id TEXT PRIMARY KEY NOT NULL,
    contest_id TEXT NOT NULL REFERENCES contests (id),
    author_id TEXT NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    moderation TEXT NOT NULL,
    moderation_note TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX ideas_contest ON ideas (contest_id, id);
