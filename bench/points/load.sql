-- The points benchmark's ledger (PostgreSQL), for bench/points/run. Run on a database the server
-- has migrated and seeded with the demo county. With :first = 1 it makes :accounts residents of
-- 塘湾村 (user 0b900000-0000-7000-8000-00000000000i, whose openid is the development WeChat's for the code 'dev:bpi'), each in
-- a household of their own, a rule set in force (one manual rule, `help`, 5 points) and a catalog
-- item ('0b900000-0000-7000-8001-000000000001', price 1, a huge stock); then, for every account, ledger rows with sequence
-- numbers :first … :last (earn, 10 points each, spread over the past year), and moves each
-- account's cached balance, earned and head to match. Hashes are placeholders: the benchmark
-- reads balances and appends, it does not verify.
\set ON_ERROR_STOP on
BEGIN;
CREATE TEMP TABLE bp_village ON COMMIT DROP AS SELECT id FROM org_units WHERE kind = 'village' AND name = '塘湾村';
CREATE TEMP TABLE bp_admin ON COMMIT DROP AS SELECT id FROM users WHERE username = 'demo-cadre';
INSERT INTO users (id, kind, display_name, openid, created_at)
SELECT '0b900000-0000-7000-8000-' || lpad(g::text, 12, '0'), 'resident', '积分户' || g,
       'dev-' || substr(encode(sha256(convert_to('bp' || g, 'UTF8')), 'hex'), 1, 24), now() AT TIME ZONE 'UTC'
FROM generate_series(1, :accounts) AS g WHERE :first = 1;
INSERT INTO households (id, org_unit_id, name, head_user_id, created_at)
SELECT 'bph-' || g, v.id, g || '号积分户', '0b900000-0000-7000-8000-' || lpad(g::text, 12, '0'), now() AT TIME ZONE 'UTC'
FROM generate_series(1, :accounts) AS g CROSS JOIN bp_village v WHERE :first = 1;
INSERT INTO household_members (user_id, household_id, relation, joined_at)
SELECT '0b900000-0000-7000-8000-' || lpad(g::text, 12, '0'), 'bph-' || g, 'head', now() AT TIME ZONE 'UTC' FROM generate_series(1, :accounts) AS g WHERE :first = 1;
INSERT INTO residencies (id, user_id, org_unit_id, household_id, relation, status, created_at)
SELECT 'bpr-' || g, '0b900000-0000-7000-8000-' || lpad(g::text, 12, '0'), v.id, 'bph-' || g, 'head', 'approved', now() AT TIME ZONE 'UTC'
FROM generate_series(1, :accounts) AS g CROSS JOIN bp_village v WHERE :first = 1;
INSERT INTO points_accounts (id, org_unit_id, holder, holder_id, subject, balance, earned, seq, last_hash, updated_at)
SELECT 'bpa-' || g, v.id, 'user', '0b900000-0000-7000-8000-' || lpad(g::text, 12, '0'), 'resident', 0, 0, 0, repeat('0', 64), now() AT TIME ZONE 'UTC'
FROM generate_series(1, :accounts) AS g CROSS JOIN bp_village v WHERE :first = 1;
UPDATE points_rule_sets SET status = 'superseded' WHERE status = 'active' AND org_unit_id = (SELECT id FROM bp_village) AND :first = 1;
INSERT INTO points_rule_sets (id, org_unit_id, version, status, note, base_points, star_thresholds, created_by, created_at, activated_at)
SELECT 'bp-rs', v.id, 100, 'active', 'bench', '[]', '[100,500,1000]', a.id, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
FROM bp_village v CROSS JOIN bp_admin a WHERE :first = 1;
INSERT INTO points_rules (id, rule_set_id, code, name, category, points, subject, recorders, claimable, position)
SELECT 'bp-rule', 'bp-rs', 'help', '邻里互助', 'neighbourly', 5, 'resident', 'grid_worker,village_cadre', true, 0 WHERE :first = 1;
INSERT INTO points_items (id, org_unit_id, kind, name, description, price, stock, active, created_at, updated_at)
SELECT '0b900000-0000-7000-8001-000000000001', v.id, 'goods', '洗衣粉', '', 1, 1000000000, true, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
FROM bp_village v WHERE :first = 1;
INSERT INTO points_ledger (id, account_id, seq, org_unit_id, kind, points, reference, memo, at, hash)
SELECT 'bpl-' || g || '-' || s, 'bpa-' || g, s, v.id, 'earn', 10, 'bpe-' || g || '-' || s, '',
       now() AT TIME ZONE 'UTC' - ((s * 7919 + g) % 365) * interval '1 day', repeat('0', 64)
FROM generate_series(1, :accounts) AS g CROSS JOIN generate_series(:first, :last) AS s CROSS JOIN bp_village v;
UPDATE points_accounts SET balance = balance + 10 * (:last - :first + 1), earned = earned + 10 * (:last - :first + 1),
       seq = :last, updated_at = now() AT TIME ZONE 'UTC'
WHERE id LIKE 'bpa-%';
COMMIT;
ANALYZE points_accounts; ANALYZE points_ledger; ANALYZE users; ANALYZE residencies; ANALYZE household_members;
