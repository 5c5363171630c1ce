-- A month of grid work for one township (PostgreSQL), for the coverage benchmark (bench/coverage/run):
-- township 基准镇 under the first county, 5 villages × 1 grid × 500 households (one member each),
-- 4 visits per household in the current Beijing month by the grid's worker (info items 0–2),
-- and 25 care households per grid (5 %), half on working days. Run on a database the server has
-- migrated and seeded (bootstrap admin or demo county), before the benchmark.
\set ON_ERROR_STOP on
BEGIN;
CREATE TEMP TABLE bc_county ON COMMIT DROP AS
    SELECT id, path FROM org_units WHERE kind = 'county' ORDER BY created_at LIMIT 1;
INSERT INTO org_units (id, parent_id, kind, name, path, created_at)
SELECT '0bc00000-0000-7000-8000-000000000000', c.id, 'township', '基准镇', c.path || '0bc00000-0000-7000-8000-000000000000/', now() AT TIME ZONE 'UTC' FROM bc_county c;
INSERT INTO org_units (id, parent_id, kind, name, path, created_at)
SELECT '0bc00000-0000-7000-8000-00000000000' || v, '0bc00000-0000-7000-8000-000000000000', 'village', '基准村' || v, c.path || '0bc00000-0000-7000-8000-000000000000/0bc00000-0000-7000-8000-00000000000' || v || '/', now() AT TIME ZONE 'UTC'
FROM generate_series(1, 5) v CROSS JOIN bc_county c;
-- Grids: boxes side by side (boundaries only need to be valid GeoJSON for these reads).
INSERT INTO grids (id, org_unit_id, level, name, boundary, min_lat, min_lng, max_lat, max_lng, created_at, code)
SELECT '0bc00000-0000-7000-8001-00000000000' || v, '0bc00000-0000-7000-8000-00000000000' || v, 'small', '基准村' || v || '网格',
       format('{"type":"Polygon","coordinates":[[[%s,30.0],[%s,30.0],[%s,30.01],[%s,30.0]]]}', 120 + v * 0.02, 120.01 + v * 0.02, 120.01 + v * 0.02, 120 + v * 0.02),
       30.0, 120 + v * 0.02, 30.01, 120.01 + v * 0.02, now() AT TIME ZONE 'UTC', 'BC-' || v
FROM generate_series(1, 5) v;
INSERT INTO users (id, kind, display_name, created_at)
SELECT 'bc-w' || v, 'staff', '网格员' || v, now() AT TIME ZONE 'UTC' FROM generate_series(1, 5) v;
INSERT INTO users (id, kind, display_name, created_at)
SELECT 'bc-u' || v || '-' || h, 'resident', '户主' || v || '-' || h, now() AT TIME ZONE 'UTC'
FROM generate_series(1, 5) v, generate_series(1, 500) h;
INSERT INTO households (id, org_unit_id, name, head_user_id, created_at, grid_id)
SELECT 'bc-h' || v || '-' || h, '0bc00000-0000-7000-8000-00000000000' || v, v || '-' || h || '号户', 'bc-u' || v || '-' || h, now() AT TIME ZONE 'UTC', '0bc00000-0000-7000-8001-00000000000' || v
FROM generate_series(1, 5) v, generate_series(1, 500) h;
INSERT INTO household_members (user_id, household_id, relation, joined_at)
SELECT 'bc-u' || v || '-' || h, 'bc-h' || v || '-' || h, 'head', now() AT TIME ZONE 'UTC'
FROM generate_series(1, 5) v, generate_series(1, 500) h;
-- 4 visits per household, on days 1, 8, 15, 22 of the current Beijing month, 09:00 + h minutes.
INSERT INTO visits (id, grid_id, org_unit_id, household_id, visitor_id, kind, met, note, info_items, visited_at, recorded_at)
SELECT 'bc-vi' || v || '-' || h || '-' || k, '0bc00000-0000-7000-8001-00000000000' || v, '0bc00000-0000-7000-8000-00000000000' || v, 'bc-h' || v || '-' || h, 'bc-w' || v,
       'routine', '户主', '走访', (h + k) % 3,
       date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai') + (k * 7) * interval '1 day' + interval '1 hour' + h * interval '1 minute', -- 09:00 Beijing = 01:00 UTC
       now() AT TIME ZONE 'UTC'
FROM generate_series(1, 5) v, generate_series(1, 500) h, generate_series(0, 3) k;
INSERT INTO care_households (household_id, needs, interval_days, working_days, set_by, set_at)
SELECT 'bc-h' || v || '-' || h, 'elderly_alone', 7, h % 2 = 0, 'bc-w' || v, now() AT TIME ZONE 'UTC' - interval '40 days'
FROM generate_series(1, 5) v, generate_series(1, 500, 20) h;
COMMIT;
ANALYZE org_units; ANALYZE grids; ANALYZE households; ANALYZE visits; ANALYZE care_households;
