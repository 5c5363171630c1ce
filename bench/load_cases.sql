-- Loads :n synthetic grid cases straight into `cases` (not through the API), for the cases
-- benchmark (bench/cases.py, bench/README-cases.md). Run it on a scratch database that the
-- server has already migrated and seeded with the demo county (the first development start):
--
--   psql -h 127.0.0.1 -U postgres -d yishi_bench -v n=100000 -f bench/load_cases.sql
--
-- Running it again adds :n more (100k, then -v n=900000 tops up to 1M).
--
-- Every foreign key is taken from the demo data: reporters are the demo residents, the grid
-- and its org unit come together from `grids`, categories from `case_categories`. A point is
-- uniform inside its grid's bounding box and `cell` is computed exactly as
-- domain::geo_cn::cell_of does. Ids are UUIDv7-shaped: the first 48 bits are reported_at in
-- epoch milliseconds, so they sort by time as the API's keyset pagination expects.
--
-- The status mix: 95% closed (closed with a rating, or closed_unrated), reported over the last
-- two years; 5% open (reported / accepted / in_progress), reported in the last 60 days. No open
-- case is left with a passed `next_due` (an open case whose resolve deadline has passed is
-- already marked overdue with next_due NULL, as the sweeper leaves it), so the server's
-- deadline sweeper finds nothing to do and stays out of the measurements.
\set ON_ERROR_STOP on
\if :{?n}
\else
  \echo 'usage: psql ... -v n=100000 -f bench/load_cases.sql'
  \quit
\endif

\timing on
BEGIN;

-- What the generator picks from, each numbered from 1.
CREATE TEMP TABLE bench_grids ON COMMIT DROP AS
    SELECT row_number() OVER (ORDER BY id) AS k, id, org_unit_id, min_lat, max_lat, min_lng, max_lng FROM grids;
CREATE TEMP TABLE bench_reporters ON COMMIT DROP AS
    SELECT row_number() OVER (ORDER BY id) AS k, id FROM users
    WHERE kind = 'resident' AND is_demo AND deleted_at IS NULL;
-- Two phrasings per category (the duplicates benchmark asks with texts close to these).
CREATE TEMP TABLE bench_texts ON COMMIT DROP AS
    SELECT row_number() OVER (ORDER BY t.category, t.description) AS k, t.category, t.description, c.public_by_default
    FROM (VALUES
        ('information', '新搬来一户人家，需要登记人口和房屋信息'),
        ('information', '出租房换了租户，请更新流动人口信息'),
        ('public_opinion', '希望村里在广场多装几个健身器材'),
        ('public_opinion', '村民反映医保缴费的地方太远，希望在村部代办'),
        ('hazard', '山坡上的石头松动了，下雨天可能滚下来'),
        ('hazard', '河边护栏断了一截，小孩在那里玩很危险'),
        ('dispute', '两家因为宅基地的边界吵起来了，需要调解'),
        ('dispute', '承包田的水源分配有争议，双方互不相让'),
        ('policy', '想咨询一下高龄补贴怎么申请，需要什么材料'),
        ('policy', '请问农村危房改造的补助政策是什么'),
        ('road', '村口的路灯坏了好几天，晚上很黑，老人走路不安全'),
        ('road', '通组公路有个大坑，下雨积水，摩托车容易摔倒'),
        ('water', '自来水管破裂了，水一直往外冒，好几户停水'),
        ('water', '排水沟堵了，下雨就漫到路上'),
        ('power', '电线杆歪了，电线垂得很低，怕出事'),
        ('power', '这几天经常停电，冰箱里的东西都坏了'),
        ('sanitation', '垃圾池满了好几天没人清运，味道很大'),
        ('sanitation', '有人往河里倒建筑垃圾，水都变浑了'),
        ('noise', '晚上十点以后广场舞音响还很大声，影响休息'),
        ('noise', '工地半夜还在施工，噪音很大睡不着觉'),
        ('safety', '消防通道被私家车堵住了，消防车进不来'),
        ('safety', '有人家里燃气罐放在灶台边，存在安全隐患'),
        ('neighbour_dispute', '邻居家的狗经常跑到我家院子咬鸡'),
        ('neighbour_dispute', '邻居在公共通道上堆放柴火，过不去'),
        ('other', '村部的公告栏玻璃碎了，需要修理'),
        ('other', '公交站的候车亭顶棚漏雨')
    ) AS t (category, description)
    JOIN case_categories c ON c.code = t.category;

-- One row of random draws per case; materialised so each draw is made once per row.
CREATE TEMP TABLE bench_draws ON COMMIT DROP AS
    SELECT
        i,
        1 + floor(random() * (SELECT count(*) FROM bench_grids))::bigint AS grid_k,
        1 + floor(random() * (SELECT count(*) FROM bench_reporters))::bigint AS reporter_k,
        1 + floor(random() * (SELECT count(*) FROM bench_texts))::bigint AS text_k,
        random() AS u_lat,
        random() AS u_lng,
        random() AS u_status,
        random() AS u_age,
        random() AS u_a,
        random() AS u_b,
        random() AS u_c
    FROM generate_series(1, :n) AS i;

CREATE TEMP TABLE bench_new ON COMMIT DROP AS
    SELECT
        d.*,
        g.id AS grid_id,
        g.org_unit_id,
        g.min_lat + d.u_lat * (g.max_lat - g.min_lat) AS lat,
        g.min_lng + d.u_lng * (g.max_lng - g.min_lng) AS lng,
        r.id AS reporter_id,
        t.category,
        t.description,
        t.public_by_default,
        -- 5% open (reported in the last 60 days), 95% closed (the last 730 days).
        d.u_status < 0.05 AS open,
        (now() AT TIME ZONE 'UTC')
            - CASE WHEN d.u_status < 0.05 THEN d.u_age * interval '60 days' ELSE d.u_age * interval '730 days' END
            AS reported_at
    FROM bench_draws d
    JOIN bench_grids g ON g.k = d.grid_k
    JOIN bench_reporters r ON r.k = d.reporter_k
    JOIN bench_texts t ON t.k = d.text_k;

INSERT INTO cases (
    id, category, description, lat, lng, cell, address, urgency, anonymous, is_public, reporter_id,
    client_id, grid_id, org_unit_id, department_id, level, status, outcome, merged_into, captured_at,
    reported_at, first_accepted_at, resolved_at, closed_at, accept_due, resolve_due, confirm_due, next_due,
    overdue, escalations, rating, version)
SELECT
    -- UUIDv7 layout: 48-bit ms timestamp, version 7 + 12 random bits, variant 8..b + 12 random
    -- bits, 48 random bits.
    substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-' || substr(h, 13, 4) || '-' || substr(h, 17, 4) || '-'
        || substr(h, 21, 12),
    category,
    description,
    lat,
    lng,
    floor((lat + 90) / 0.01)::bigint * 100000 + floor((lng + 180) / 0.01)::bigint,
    NULL,
    'normal',
    FALSE,
    -- The category decides, as the API does by default; a few residents choose otherwise.
    CASE WHEN u_c < 0.03 THEN NOT public_by_default ELSE public_by_default END,
    reporter_id,
    NULL,
    grid_id,
    org_unit_id,
    NULL,
    'grid',
    status,
    CASE WHEN open THEN NULL ELSE 'fixed' END,
    NULL,
    reported_at,
    reported_at,
    first_accepted_at,
    resolved_at,
    closed_at,
    accept_due,
    resolve_due,
    confirm_due,
    next_due,
    overdue,
    0,
    rating,
    0
FROM (
    SELECT
        x.*,
        lpad(to_hex((extract(epoch FROM x.reported_at) * 1000)::bigint), 12, '0')
            || '7' || lpad(to_hex(floor(random() * 4096)::int), 3, '0')
            || to_hex(8 + floor(random() * 4)::int) || lpad(to_hex(floor(random() * 4096)::int), 3, '0')
            || lpad(to_hex(floor(random() * 281474976710656)::bigint), 12, '0') AS h,
        CASE
            WHEN x.status = 'reported' THEN NULL
            ELSE x.reported_at + (1 + x.u_a * 23) * interval '1 hour'
        END AS first_accepted_at,
        CASE WHEN x.open THEN NULL ELSE x.resolved_at0 END AS resolved_at,
        CASE WHEN x.open THEN NULL ELSE x.closed_at0 END AS closed_at,
        x.reported_at + interval '3 days' AS accept_due,
        CASE WHEN x.status = 'reported' THEN NULL ELSE x.reported_at + interval '30 days' END AS resolve_due,
        CASE WHEN x.open THEN NULL ELSE x.resolved_at0 + interval '7 days' END AS confirm_due,
        CASE
            WHEN NOT x.open THEN NULL
            WHEN x.status = 'reported' THEN x.reported_at + interval '3 days'
            WHEN x.reported_at + interval '30 days' > (now() AT TIME ZONE 'UTC') THEN x.reported_at + interval '30 days'
            ELSE NULL
        END AS next_due,
        x.open AND x.status <> 'reported' AND x.reported_at + interval '30 days' <= (now() AT TIME ZONE 'UTC')
            AS overdue,
        CASE WHEN x.status = 'closed' THEN 3 + floor(x.u_c * 100)::int % 3 END AS rating
    FROM (
        SELECT
            b.*,
            CASE
                -- An open case younger than three days may still wait to be accepted.
                WHEN b.open AND b.reported_at > (now() AT TIME ZONE 'UTC') - interval '3 days' THEN 'reported'
                WHEN b.open AND b.u_a < 0.5 THEN 'accepted'
                WHEN b.open THEN 'in_progress'
                WHEN b.u_b < 0.75 THEN 'closed'
                ELSE 'closed_unrated'
            END AS status,
            LEAST(b.reported_at + (1 + b.u_b * 9) * interval '1 day', (now() AT TIME ZONE 'UTC')) AS resolved_at0,
            LEAST(b.reported_at + (1 + b.u_b * 9 + b.u_c * 7) * interval '1 day', (now() AT TIME ZONE 'UTC'))
                AS closed_at0
        FROM bench_new b
    ) x
) y;

COMMIT;
-- Vacuumed now, so autovacuum does not start in the middle of a measurement.
VACUUM (ANALYZE) cases;
\timing off

SELECT count(*) AS cases,
       count(*) FILTER (WHERE closed_at IS NULL) AS open,
       count(*) FILTER (WHERE next_due <= now() AT TIME ZONE 'UTC') AS due_now,
       pg_size_pretty(pg_total_relation_size('cases')) AS size_with_indexes
FROM cases;
