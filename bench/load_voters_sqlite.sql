-- The SQLite variant of bench/load_voters.sql: :n synthetic residents of 塘湾村 on the frozen
-- roll of the open poll :poll. bench/ballots writes the numbers in and runs it with Python's
-- sqlite3, which provides the two functions SQLite lacks: dev_openid(name) (the development
-- WeChat's openid, infra::wechat::dev_openid) and sha256_hex(text).
BEGIN IMMEDIATE;
CREATE TEMP TABLE bench_village AS SELECT id FROM org_units WHERE kind = 'village' AND name = '塘湾村';
CREATE TEMP TABLE bench_n AS
    WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < :n) SELECT g FROM s;
INSERT INTO users (id, kind, display_name, openid, must_change_password, is_demo, created_at)
SELECT 'bv-' || g, 'resident', '选民' || g, dev_openid('bv' || g), 0, 0, strftime('%Y-%m-%d %H:%M:%S', 'now')
FROM bench_n;
INSERT INTO residencies (id, user_id, org_unit_id, relation, status, created_at)
SELECT 'bvr-' || g, 'bv-' || g, v.id, 'other', 'approved', strftime('%Y-%m-%d %H:%M:%S', 'now')
FROM bench_n CROSS JOIN bench_village v;
CREATE TEMP TABLE bench_roll AS
    SELECT DISTINCT r.user_id AS k FROM residencies r JOIN org_units o ON o.id = r.org_unit_id
    JOIN polls p ON p.id = ':poll' JOIN org_units s ON s.id = p.scope_id
    WHERE r.status = 'approved' AND o.path LIKE s.path || '%';
INSERT INTO poll_roll (poll_id, voter_key) SELECT ':poll', k FROM bench_roll;
UPDATE polls SET status = 'open', opens_at = strftime('%Y-%m-%d %H:%M:%S', 'now', '-1 minute'),
       electorate_size = (SELECT count(*) FROM bench_roll),
       roll_hash = (SELECT sha256_hex(group_concat(k, char(10))) FROM (SELECT k FROM bench_roll ORDER BY k)),
       updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now')
WHERE id = ':poll';
COMMIT;
DROP TABLE bench_village; DROP TABLE bench_n; DROP TABLE bench_roll;
ANALYZE;
