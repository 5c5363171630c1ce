-- Loads :n synthetic residents of 塘湾村 (PostgreSQL) for the ballots benchmark (bench/ballots),
-- and puts them on the frozen roll of the open poll :'poll'. Run on a database the server has
-- migrated and seeded with the demo county, after the poll was created through the API.
-- Voter i is the user 'bv-i' whose openid is the development WeChat's for the code 'dev:bvi'
-- (infra::wechat::dev_openid: "dev-" and the first 12 bytes of sha256(name) in hex), so the
-- bench logs them in with POST /api/v1/auth/wechat/login {"code": "dev:bvi"}.
-- The roll is what the opening job would freeze (every approved resident of the scope, sorted
-- by byte order), with its size and hash; the poll is then open.
\set ON_ERROR_STOP on
BEGIN;
CREATE TEMP TABLE bench_village ON COMMIT DROP AS SELECT id FROM org_units WHERE kind = 'village' AND name = '塘湾村';
INSERT INTO users (id, kind, display_name, openid, created_at)
SELECT 'bv-' || g, 'resident', '选民' || g,
       'dev-' || substr(encode(sha256(convert_to('bv' || g, 'UTF8')), 'hex'), 1, 24), now() AT TIME ZONE 'UTC'
FROM generate_series(1, :n) AS g;
INSERT INTO residencies (id, user_id, org_unit_id, relation, status, created_at)
SELECT 'bvr-' || g, 'bv-' || g, v.id, 'other', 'approved', now() AT TIME ZONE 'UTC'
FROM generate_series(1, :n) AS g CROSS JOIN bench_village v;
CREATE TEMP TABLE bench_roll ON COMMIT DROP AS
    SELECT DISTINCT r.user_id AS k FROM residencies r JOIN org_units o ON o.id = r.org_unit_id
    JOIN polls p ON p.id = :'poll' JOIN org_units s ON s.id = p.scope_id
    WHERE r.status = 'approved' AND o.path LIKE s.path || '%';
INSERT INTO poll_roll (poll_id, voter_key) SELECT :'poll', k FROM bench_roll;
UPDATE polls SET status = 'open', opens_at = now() AT TIME ZONE 'UTC' - interval '1 minute',
       electorate_size = (SELECT count(*) FROM bench_roll),
       roll_hash = (SELECT encode(sha256(convert_to(string_agg(k, E'\n' ORDER BY k COLLATE "C"), 'UTF8')), 'hex') FROM bench_roll),
       updated_at = now() AT TIME ZONE 'UTC'
WHERE id = :'poll';
COMMIT;
ANALYZE users; ANALYZE residencies; ANALYZE poll_roll;
