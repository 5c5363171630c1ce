-- The statements one POST /api/v1/cases ran, captured by bench/run from PostgreSQL's
-- log (log_statement=all), with the logged parameters written in as literals. Values the
-- request created (primary keys of inserted rows, the client_id) are pgbench variables,
-- random per transaction, so every transaction inserts new rows as the route does.
-- 9 statements; run with: pgbench -n -M prepared -f THIS_FILE
\set r1 random(1000000000000, 9000000000000000000)
\set r2 random(1000000000000, 9000000000000000000)
\set r3 random(1000000000000, 9000000000000000000)
\set r4 random(1000000000000, 9000000000000000000)
-- The captured voter 'bv-99986' is replaced by client c's n-th voter bv-(50001 + 6000 c + n) (run with -D n=0).
\set n :n + 1
\set vid 50001 + 6000 * :client_id + :n
SELECT "users"."id", "users"."kind", "users"."username", "users"."password_hash", "users"."must_change_password", "users"."display_name", "users"."openid", "users"."unionid", "users"."phone", "users"."is_demo", "users"."deleted_at", "users"."created_at", "users"."email", "users"."serves_unit_id" FROM "users" WHERE (("users"."id" = ('bv-' || :vid)) AND ("users"."deleted_at" IS NULL)) LIMIT '1';
SELECT "role_grants"."id", "role_grants"."user_id", "role_grants"."role", "role_grants"."scope_kind", "role_grants"."scope_id", "role_grants"."granted_by", "role_grants"."created_at", "role_grants"."revoked_at", "role_grants"."revoked_by" FROM "role_grants" WHERE (("role_grants"."user_id" = ('bv-' || :vid)) AND ("role_grants"."revoked_at" IS NULL)) ORDER BY "role_grants"."id" ASC;
BEGIN;
INSERT INTO "idempotency_keys" ("id", "scope", "idem_key", "request_hash", "status", "response_body", "created_at") VALUES (:r1, ('bv-' || :vid), :r4, '4436dcb20fd0c3f3c4022e6694b24f7c6046f2fa07fcf84b216f17a4f4e14bde', '0', '', E'2026-12-01 20\x3a37\x3a20.306251') ON CONFLICT DO NOTHING;
SELECT "polls"."id", "polls"."scope_id", "polls"."village_id", "polls"."title", "polls"."description", "polls"."kind", "polls"."max_choices", "polls"."secrecy", "polls"."electorate", "polls"."results", "polls"."shuffle", "polls"."quorum_percent", "polls"."threshold", "polls"."status", "polls"."opens_at", "polls"."closes_at", "polls"."electorate_size", "polls"."roll_hash", "polls"."board_digest", "polls"."outcome", "polls"."cancel_reason", "polls"."matter_id", "polls"."contest_id", "polls"."reminded_at", "polls"."published_at", "polls"."created_by", "polls"."created_at", "polls"."updated_at", "polls"."version", (SELECT COUNT(*) FROM "poll_options" WHERE ("poll_options"."poll_id" = '01a23352-604d-708e-bde9-9368be1d3d3e') LIMIT '1'), EXISTS (SELECT "poll_roll"."poll_id", "poll_roll"."voter_key" FROM "poll_roll" WHERE (("poll_roll"."poll_id" = '01a23352-604d-708e-bde9-9368be1d3d3e') AND ("poll_roll"."voter_key" = ('bv-' || :vid)))) FROM "polls" WHERE ("polls"."id" = '01a23352-604d-708e-bde9-9368be1d3d3e') LIMIT '1';
INSERT INTO "poll_participation" ("poll_id", "voter_key", "voter_id", "origin", "recorded_by", "voted_on") VALUES ('01a23352-604d-708e-bde9-9368be1d3d3e', ('bv-' || :vid), ('bv-' || :vid), 'online', DEFAULT, '2026-12-01') ON CONFLICT DO NOTHING;
INSERT INTO "ballots" ("id", "poll_id", "choices", "receipt", "origin", "voter_id", "cast_on") VALUES (:r2, '01a23352-604d-708e-bde9-9368be1d3d3e', '[1]', :r3, 'online', DEFAULT, '2026-12-01');
UPDATE "idempotency_keys" SET "status" = '201', "response_body" = '{"receipt":"78af6d4d189d82cb2c1d472cdedad1a78931120f2a75b979c1dc54a875729c18","choices":[1],"origin":"online","cast_on":"2026-12-01"}' WHERE ("idempotency_keys"."id" = :r1);
COMMIT;
