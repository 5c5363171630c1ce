-- The statements one POST /api/v1/cases ran, captured by bench/run from PostgreSQL's
-- log (log_statement=all), with the logged parameters written in as literals. Values the
-- request created (primary keys of inserted rows, the client_id) are pgbench variables,
-- random per transaction, so every transaction inserts new rows as the route does.
-- 18 statements; run with: pgbench -n -M prepared -f THIS_FILE
\set r1 random(1000000000000, 9000000000000000000)
\set r2 random(1000000000000, 9000000000000000000)
\set r3 random(1000000000000, 9000000000000000000)
\set r4 random(1000000000000, 9000000000000000000)
-- The captured voter 'bv-99982' is replaced by client c's n-th voter bv-(50001 + 6000 c + n) (run with -D n=0).
\set n :n + 1
\set vid 50001 + 6000 * :client_id + :n
SELECT "users"."id", "users"."kind", "users"."username", "users"."password_hash", "users"."must_change_password", "users"."display_name", "users"."openid", "users"."unionid", "users"."phone", "users"."is_demo", "users"."deleted_at", "users"."created_at", "users"."email", "users"."serves_unit_id" FROM "users" WHERE (("users"."id" = ('bv-' || :vid)) AND ("users"."deleted_at" IS NULL)) LIMIT '1';
SELECT "role_grants"."id", "role_grants"."user_id", "role_grants"."role", "role_grants"."scope_kind", "role_grants"."scope_id", "role_grants"."granted_by", "role_grants"."created_at", "role_grants"."revoked_at", "role_grants"."revoked_by" FROM "role_grants" WHERE (("role_grants"."user_id" = ('bv-' || :vid)) AND ("role_grants"."revoked_at" IS NULL)) ORDER BY "role_grants"."id" ASC;
BEGIN;
SELECT "idempotency_keys"."request_hash", "idempotency_keys"."status", "idempotency_keys"."response_body" FROM "idempotency_keys" WHERE (("idempotency_keys"."scope" = ('bv-' || :vid)) AND ("idempotency_keys"."idem_key" = :r3)) LIMIT '1';
SAVEPOINT diesel_savepoint_1;
INSERT INTO "idempotency_keys" ("id", "scope", "idem_key", "request_hash", "status", "response_body", "created_at") VALUES (:r1, ('bv-' || :vid), :r3, '500b807649f28c7e023603d58d1b26da1867c5e56dadc071c018771e5ebd0b98', '0', '', E'2026-12-01 19\x3a41\x3a04.971048');
RELEASE SAVEPOINT diesel_savepoint_1;
SELECT "polls"."id", "polls"."scope_id", "polls"."village_id", "polls"."title", "polls"."description", "polls"."kind", "polls"."max_choices", "polls"."secrecy", "polls"."electorate", "polls"."results", "polls"."shuffle", "polls"."quorum_percent", "polls"."threshold", "polls"."status", "polls"."opens_at", "polls"."closes_at", "polls"."electorate_size", "polls"."roll_hash", "polls"."board_digest", "polls"."outcome", "polls"."cancel_reason", "polls"."matter_id", "polls"."contest_id", "polls"."reminded_at", "polls"."published_at", "polls"."created_by", "polls"."created_at", "polls"."updated_at", "polls"."version" FROM "polls" WHERE ("polls"."id" = '01a2331e-e864-769a-9aad-d7c65746a302') LIMIT '1';
SELECT "org_units"."id", "org_units"."path" FROM "org_units" WHERE ("org_units"."id" = ANY('{01a2331e-e6d8-726a-87eb-1cb55c216f44}'));
SELECT "org_units"."path" FROM ("residencies" INNER JOIN "org_units" ON ("org_units"."id" = "residencies"."org_unit_id")) WHERE (("residencies"."user_id" = ('bv-' || :vid)) AND ("residencies"."status" = 'approved'));
SELECT "poll_options"."id", "poll_options"."poll_id", "poll_options"."position", "poll_options"."text", "poll_options"."media_id", "poll_options"."idea_id" FROM "poll_options" WHERE ("poll_options"."poll_id" = '01a2331e-e864-769a-9aad-d7c65746a302') ORDER BY "poll_options"."position" ASC;
SELECT COUNT(*) FROM "poll_roll" WHERE (("poll_roll"."poll_id" = '01a2331e-e864-769a-9aad-d7c65746a302') AND ("poll_roll"."voter_key" = ('bv-' || :vid)));
SAVEPOINT diesel_savepoint_1;
INSERT INTO "poll_participation" ("poll_id", "voter_key", "voter_id", "origin", "recorded_by", "voted_on") VALUES ('01a2331e-e864-769a-9aad-d7c65746a302', ('bv-' || :vid), ('bv-' || :vid), 'online', DEFAULT, '2026-12-01');
RELEASE SAVEPOINT diesel_savepoint_1;
INSERT INTO "ballots" ("id", "poll_id", "choices", "receipt", "origin", "voter_id", "cast_on") VALUES (:r2, '01a2331e-e864-769a-9aad-d7c65746a302', '[1]', :r4, 'online', DEFAULT, '2026-12-01');
UPDATE "idempotency_keys" SET "status" = '201', "response_body" = '{"receipt":"f72d8005f8c9895fa76979ef95fc88b1685cffd14e9bb0362dcd200a9ba4c219","choices":[1],"origin":"online","cast_on":"2026-12-01"}' WHERE ("idempotency_keys"."id" = :r1);
COMMIT;
