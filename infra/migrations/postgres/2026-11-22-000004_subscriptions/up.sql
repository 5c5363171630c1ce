-- WeChat one-time subscription grants: each allows one message of its template.
CREATE TABLE subscription_grants (
    user_id TEXT NOT NULL REFERENCES users (id),
    template_id TEXT NOT NULL,
    remaining INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, template_id)
);

-- Per user and channel: opted out or not; for mail, immediate or a daily/weekly digest.
CREATE TABLE notification_preferences (
    user_id TEXT NOT NULL REFERENCES users (id),
    channel TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    digest TEXT NOT NULL,
    PRIMARY KEY (user_id, channel)
);

-- A WeChat delivery takes its grant once, however often it is retried.
ALTER TABLE outbox ADD COLUMN grant_taken BOOLEAN NOT NULL DEFAULT FALSE;
