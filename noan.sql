-- The SQLite twin of bench/load_cases.sql: loads :n synthetic grid cases straight into `cases`
-- (not through the API), with the same shape — demo foreign keys, a point uniform inside its
-- grid's box, `cell` as domain::geo_cn::cell_of computes it, UUIDv7-shaped ids that sort by
-- reported_at, 95% closed over two years and 5% open over 60 days with no passed deadline.
-- Run it on a database the server has already migrated and seeded with the demo county:
--
--   sqlite3 -cmd '.parameter set :n 10000' data/yishi.db < bench/load_cases_sqlite.sql
--
-- Running it again adds :n more. Timestamps are written as "YYYY-MM-DD HH:MM:SS.SSS", which
-- the server reads and compares like its own. Booleans are 0/1.
.bail on
.timeout 30000
BEGIN IMMEDIATE;

CREATE TEMP TABLE bench_grids AS
    SELECT row_number() OVER (ORDER BY id) AS k, id, org_unit_id, min_lat, max_lat, min_lng, max_lng FROM grids;
CREATE TEMP TABLE bench_reporters AS
    SELECT row_number() OVER (ORDER BY id) AS k, id FROM users
    WHERE kind = 'resident' AND is_demo AND deleted_at IS NULL;
CREATE TEMP TABLE bench_texts_raw (category TEXT, description TEXT);
INSERT INTO bench_texts_raw VALUES
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
    ('other', '公交站的候车亭顶棚漏雨');
CREATE TEMP TABLE bench_texts AS
    SELECT row_number() OVER (ORDER BY t.category, t.description) AS k, t.category, t.description, c.public_by_default
    FROM bench_texts_raw t JOIN case_categories c ON c.code = t.category;

-- Uniform draws in [0, 1) and the current time in epoch milliseconds.
CREATE TEMP TABLE bench_now AS
    SELECT CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) AS now_ms;

CREATE TEMP TABLE bench_draws AS
    WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n)
    SELECT
        i,
        1 + (abs(random()) % (SELECT count(*) FROM bench_grids)) AS grid_k,
        1 + (abs(random()) % (SELECT count(*) FROM bench_reporters)) AS reporter_k,
        1 + (abs(random()) % (SELECT count(*) FROM bench_texts)) AS text_k,
        (abs(random()) % 1000000000) / 1e9 AS u_lat,
        (abs(random()) % 1000000000) / 1e9 AS u_lng,
        (abs(random()) % 1000000000) / 1e9 AS u_status,
        (abs(random()) % 1000000000) / 1e9 AS u_age,
        (abs(random()) % 1000000000) / 1e9 AS u_a,
        (abs(random()) % 1000000000) / 1e9 AS u_b,
        (abs(random()) % 1000000000) / 1e9 AS u_c
    FROM s;

CREATE TEMP TABLE bench_new AS
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
        d.u_status < 0.05 AS open,
        n.now_ms,
        n.now_ms - CAST(CASE WHEN d.u_status < 0.05 THEN d.u_age * 60 ELSE d.u_age * 730 END * 86400000 AS INTEGER)
            AS rep_ms
    FROM bench_draws d
    JOIN bench_grids g ON g.k = d.grid_k
    JOIN bench_reporters r ON r.k = d.reporter_k
    JOIN bench_texts t ON t.k = d.text_k
    CROSS JOIN bench_now n;

-- Times as epoch milliseconds first (x), formatted at the end (y).
CREATE TEMP TABLE bench_x AS
    SELECT
        b.*,
        CASE
            WHEN b.open AND b.rep_ms > b.now_ms - 3 * 86400000 THEN 'reported'
            WHEN b.open AND b.u_a < 0.5 THEN 'accepted'
            WHEN b.open THEN 'in_progress'
            WHEN b.u_b < 0.75 THEN 'closed'
            ELSE 'closed_unrated'
        END AS status,
        min(b.rep_ms + CAST((1 + b.u_b * 9) * 86400000 AS INTEGER), b.now_ms) AS resolved0_ms,
        min(b.rep_ms + CAST((1 + b.u_b * 9 + b.u_c * 7) * 86400000 AS INTEGER), b.now_ms) AS closed0_ms
    FROM bench_new b;

INSERT INTO cases (
    id, category, description, lat, lng, cell, address, urgency, anonymous, is_public, reporter_id,
    client_id, grid_id, org_unit_id, department_id, level, status, outcome, merged_into, captured_at,
    reported_at, first_accepted_at, resolved_at, closed_at, accept_due, resolve_due, confirm_due, next_due,
    overdue, escalations, rating, version)
SELECT
    substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-' || substr(h, 13, 4) || '-' || substr(h, 17, 4) || '-'
        || substr(h, 21, 12),
    category,
    description,
    lat,
    lng,
    CAST((lat + 90) / 0.01 AS INTEGER) * 100000 + CAST((lng + 180) / 0.01 AS INTEGER),
    NULL,
    'normal',
    0,
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
    strftime('%Y-%m-%d %H:%M:%f', rep_ms / 1000.0, 'unixepoch'),
    strftime('%Y-%m-%d %H:%M:%f', rep_ms / 1000.0, 'unixepoch'),
    CASE WHEN status = 'reported' THEN NULL
         ELSE strftime('%Y-%m-%d %H:%M:%f', (rep_ms + CAST((1 + u_a * 23) * 3600000 AS INTEGER)) / 1000.0, 'unixepoch') END,
    CASE WHEN open THEN NULL ELSE strftime('%Y-%m-%d %H:%M:%f', resolved0_ms / 1000.0, 'unixepoch') END,
    CASE WHEN open THEN NULL ELSE strftime('%Y-%m-%d %H:%M:%f', closed0_ms / 1000.0, 'unixepoch') END,
    strftime('%Y-%m-%d %H:%M:%f', (rep_ms + 3 * 86400000) / 1000.0, 'unixepoch'),
    CASE WHEN status = 'reported' THEN NULL
         ELSE strftime('%Y-%m-%d %H:%M:%f', (rep_ms + 30 * 86400000) / 1000.0, 'unixepoch') END,
    CASE WHEN open THEN NULL ELSE strftime('%Y-%m-%d %H:%M:%f', (resolved0_ms + 7 * 86400000) / 1000.0, 'unixepoch') END,
    CASE
        WHEN NOT open THEN NULL
        WHEN status = 'reported' THEN strftime('%Y-%m-%d %H:%M:%f', (rep_ms + 3 * 86400000) / 1000.0, 'unixepoch')
        WHEN rep_ms + 30 * 86400000 > now_ms
            THEN strftime('%Y-%m-%d %H:%M:%f', (rep_ms + 30 * 86400000) / 1000.0, 'unixepoch')
        ELSE NULL
    END,
    open AND status <> 'reported' AND rep_ms + 30 * 86400000 <= now_ms,
    0,
    CASE WHEN status = 'closed' THEN 3 + CAST(u_c * 100 AS INTEGER) % 3 END,
    0
FROM (
    SELECT
        x.*,
        -- UUIDv7 layout: 48-bit ms timestamp, version 7 + 12 random bits, variant 8..b + 12
        -- random bits, 48 random bits.
        printf('%012x', x.rep_ms) || '7' || printf('%03x', abs(random()) % 4096)
            || printf('%x', 8 + abs(random()) % 4) || printf('%03x', abs(random()) % 4096)
            || printf('%012x', abs(random()) % 281474976710656) AS h
    FROM bench_x x
) y;

DROP TABLE bench_grids;
DROP TABLE bench_reporters;
DROP TABLE bench_texts_raw;
DROP TABLE bench_texts;
DROP TABLE bench_now;
DROP TABLE bench_draws;
DROP TABLE bench_new;
DROP TABLE bench_x;
COMMIT;
-- Planner statistics, as issue 10 asks for after loading.

SELECT count(*) AS cases, sum(closed_at IS NULL) AS open FROM cases;
