ALTER TABLE outbox DROP COLUMN grant_taken;
DROP TABLE notification_preferences;
DROP TABLE subscription_grants;
