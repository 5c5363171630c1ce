-- When the user last gave a grant of the template. updated_at also moves when a grant is used,
-- so it cannot say which notices found no grant after the last one was given.
ALTER TABLE subscription_grants ADD COLUMN granted_at TIMESTAMP;
UPDATE subscription_grants SET granted_at = updated_at;
