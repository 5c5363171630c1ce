ALTER TABLE subscription_grants DROP COLUMN granted_at;
