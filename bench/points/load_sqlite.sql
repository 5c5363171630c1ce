-- The points benchmark's ledger for SQLite (bench/points/load.sql says what it makes).
-- bench/points/run writes the numbers in for :accounts, :first and :last and runs it with
-- Python's sqlite3, which provides dev_openid(name) (infra::wechat::dev_openid), on a database
-- the server has migrated and seeded with the demo county.
BEGIN IMMEDIATE;
CREATE TEMP TABLE bp_accounts AS WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < :accounts) SELECT g FROM s;
CREATE TEMP TABLE bp_seq AS WITH RECURSIVE s(q) AS (SELECT :first UNION ALL SELECT q + 1 FROM s WHERE q < :last) SELECT q FROM s;
CREATE TEMP TABLE bp_village AS SELECT id FROM org_units WHERE kind = 'village' AND name = '塘湾村';
CREATE TEMP TABLE bp_now AS SELECT strftime('%Y-%m-%d %H:%M:%S', 'now') AS now;
INSERT INTO users (id, kind, display_name, openid, created_at)
SELECT '0b900000-0000-7000-8000-' || printf('%012d', g), 'resident', '积分户' || g, dev_openid('bp' || g), (SELECT now FROM bp_now) FROM bp_accounts WHERE :first = 1;
INSERT INTO households (id, org_unit_id, name, head_user_id, created_at)
SELECT 'bph-' || g, v.id, g || '号积分户', '0b900000-0000-7000-8000-' || printf('%012d', g), (SELECT now FROM bp_now) FROM bp_accounts CROSS JOIN bp_village v WHERE :first = 1;
INSERT INTO household_members (user_id, household_id, relation, joined_at)
SELECT '0b900000-0000-7000-8000-' || printf('%012d', g), 'bph-' || g, 'head', (SELECT now FROM bp_now) FROM bp_accounts WHERE :first = 1;
INSERT INTO residencies (id, user_id, org_unit_id, household_id, relation, status, created_at)
SELECT 'bpr-' || g, '0b900000-0000-7000-8000-' || printf('%012d', g), v.id, 'bph-' || g, 'head', 'approved', (SELECT now FROM bp_now) FROM bp_accounts CROSS JOIN bp_village v WHERE :first = 1;
INSERT INTO points_accounts (id, org_unit_id, holder, holder_id, subject, balance, earned, seq, last_hash, updated_at)
SELECT 'bpa-' || g, v.id, 'user', '0b900000-0000-7000-8000-' || printf('%012d', g), 'resident', 0, 0, 0, printf('%064d', 0), (SELECT now FROM bp_now)
FROM bp_accounts CROSS JOIN bp_village v WHERE :first = 1;
UPDATE points_rule_sets SET status = 'superseded' WHERE status = 'active' AND org_unit_id = (SELECT id FROM bp_village) AND :first = 1;
INSERT INTO points_rule_sets (id, org_unit_id, version, status, note, base_points, star_thresholds, created_by, created_at, activated_at)
SELECT 'bp-rs', v.id, 100, 'active', 'bench', '[]', '[100,500,1000]', (SELECT id FROM users WHERE username = 'demo-cadre'), (SELECT now FROM bp_now), (SELECT now FROM bp_now)
FROM bp_village v WHERE :first = 1;
INSERT INTO points_rules (id, rule_set_id, code, name, category, points, subject, recorders, claimable, position)
SELECT 'bp-rule', 'bp-rs', 'help', '邻里互助', 'neighbourly', 5, 'resident', 'grid_worker,village_cadre', 1, 0 WHERE :first = 1;
INSERT INTO points_items (id, org_unit_id, kind, name, description, price, stock, active, created_at, updated_at)
SELECT '0b900000-0000-7000-8001-000000000001', v.id, 'goods', '洗衣粉', '', 1, 1000000000, 1, (SELECT now FROM bp_now), (SELECT now FROM bp_now) FROM bp_village v WHERE :first = 1;
INSERT INTO points_ledger (id, account_id, seq, org_unit_id, kind, points, reference, memo, at, hash)
SELECT 'bpl-' || g || '-' || q, 'bpa-' || g, q, v.id, 'earn', 10, 'bpe-' || g || '-' || q, '',
       strftime('%Y-%m-%d %H:%M:%S', 'now', '-' || ((q * 7919 + g) % 365) || ' days'), printf('%064d', 0)
FROM bp_accounts CROSS JOIN bp_seq CROSS JOIN bp_village v;
UPDATE points_accounts SET balance = balance + 10 * (:last - :first + 1), earned = earned + 10 * (:last - :first + 1),
       seq = :last, updated_at = (SELECT now FROM bp_now)
WHERE id LIKE 'bpa-%';
COMMIT;
ANALYZE;
