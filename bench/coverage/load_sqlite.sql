-- The coverage benchmark's month of grid work (bench/coverage/load.sql) for SQLite: township 基准镇,
-- 5 villages × 1 grid × 500 households, 4 visits each on days 1, 8, 15, 22 of the current
-- Beijing month (09:00 + h minutes Beijing, stored as naive UTC text as diesel writes it), and
-- 25 care households per grid. Run with sqlite3 on a database the server has migrated.
BEGIN;
CREATE TEMP TABLE n5 AS WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < 5) SELECT v FROM s;
CREATE TEMP TABLE n500 AS WITH RECURSIVE s(h) AS (SELECT 1 UNION ALL SELECT h + 1 FROM s WHERE h < 500) SELECT h FROM s;
CREATE TEMP TABLE n4 AS WITH RECURSIVE s(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM s WHERE k < 3) SELECT k FROM s;
CREATE TEMP TABLE bc_county AS SELECT id, path FROM org_units WHERE kind = 'county' ORDER BY created_at LIMIT 1;
CREATE TEMP TABLE bc_now AS SELECT strftime('%Y-%m-%d %H:%M:%S', 'now') AS now,
    date('now', '+8 hours', 'start of month') AS month;
INSERT INTO org_units (id, parent_id, kind, name, path, created_at)
SELECT '0bc00000-0000-7000-8000-000000000000', c.id, 'township', '基准镇', c.path || '0bc00000-0000-7000-8000-000000000000/', (SELECT now FROM bc_now) FROM bc_county c;
INSERT INTO org_units (id, parent_id, kind, name, path, created_at)
SELECT '0bc00000-0000-7000-8000-00000000000' || v, '0bc00000-0000-7000-8000-000000000000', 'village', '基准村' || v, c.path || '0bc00000-0000-7000-8000-000000000000/0bc00000-0000-7000-8000-00000000000' || v || '/', (SELECT now FROM bc_now)
FROM n5 CROSS JOIN bc_county c;
INSERT INTO grids (id, org_unit_id, level, name, boundary, min_lat, min_lng, max_lat, max_lng, created_at, code)
SELECT '0bc00000-0000-7000-8001-00000000000' || v, '0bc00000-0000-7000-8000-00000000000' || v, 'small', '基准村' || v || '网格',
       '{"type":"Polygon","coordinates":[[[' || (120 + v * 0.02) || ',30.0],[' || (120.01 + v * 0.02) || ',30.0],[' || (120.01 + v * 0.02) || ',30.01],[' || (120 + v * 0.02) || ',30.0]]]}',
       30.0, 120 + v * 0.02, 30.01, 120.01 + v * 0.02, (SELECT now FROM bc_now), 'BC-' || v
FROM n5;
INSERT INTO users (id, kind, display_name, must_change_password, is_demo, created_at)
SELECT 'bc-w' || v, 'staff', '网格员' || v, 0, 0, (SELECT now FROM bc_now) FROM n5;
INSERT INTO users (id, kind, display_name, must_change_password, is_demo, created_at)
SELECT 'bc-u' || v || '-' || h, 'resident', '户主' || v || '-' || h, 0, 0, (SELECT now FROM bc_now) FROM n5, n500;
INSERT INTO households (id, org_unit_id, name, head_user_id, created_at, grid_id)
SELECT 'bc-h' || v || '-' || h, '0bc00000-0000-7000-8000-00000000000' || v, v || '-' || h || '号户', 'bc-u' || v || '-' || h, (SELECT now FROM bc_now), '0bc00000-0000-7000-8001-00000000000' || v
FROM n5, n500;
INSERT INTO household_members (user_id, household_id, relation, joined_at)
SELECT 'bc-u' || v || '-' || h, 'bc-h' || v || '-' || h, 'head', (SELECT now FROM bc_now) FROM n5, n500;
INSERT INTO visits (id, grid_id, org_unit_id, household_id, visitor_id, kind, met, note, info_items, visited_at, recorded_at)
SELECT 'bc-vi' || v || '-' || h || '-' || k, '0bc00000-0000-7000-8001-00000000000' || v, '0bc00000-0000-7000-8000-00000000000' || v, 'bc-h' || v || '-' || h, 'bc-w' || v,
       'routine', '户主', '走访', (h + k) % 3,
       strftime('%Y-%m-%d %H:%M:%S', (SELECT month FROM bc_now), '+' || (k * 7) || ' days', '+1 hours', '+' || h || ' minutes'),
       (SELECT now FROM bc_now)
FROM n5, n500, n4;
INSERT INTO care_households (household_id, needs, interval_days, working_days, set_by, set_at)
SELECT 'bc-h' || v || '-' || h, 'elderly_alone', 7, h % 2 = 0, 'bc-w' || v, strftime('%Y-%m-%d %H:%M:%S', 'now', '-40 days')
FROM n5, n500 WHERE h % 20 = 1;
COMMIT;
ANALYZE;
