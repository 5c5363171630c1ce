-- Loads :n synthetic matters of 塘湾村 straight into `matters` (PostgreSQL), for the matters
-- benchmark (bench/matters). Run on a database the server has migrated and seeded with the
-- demo county. Ids are UUIDv7-shaped (the first 48 bits are raised_at in epoch milliseconds) so
-- they sort by time as the keyset pages expect. Authors are the demo residents of 塘湾村; the
-- mix: 70% archived, 10% implementing, 10% deliberating, 10% raised; every one clear.
\set ON_ERROR_STOP on
BEGIN;
CREATE TEMP TABLE bench_village ON COMMIT DROP AS SELECT id FROM org_units WHERE kind = 'village' AND name = '塘湾村';
CREATE TEMP TABLE bench_authors ON COMMIT DROP AS
    SELECT row_number() OVER (ORDER BY u.id) AS k, u.id FROM users u
    JOIN residencies r ON r.user_id = u.id AND r.status = 'approved'
    JOIN org_units o ON o.id = r.org_unit_id
    WHERE o.path LIKE '%' || (SELECT id FROM bench_village) || '%';
INSERT INTO matters (id, scope_id, village_id, category, title, body, author_id, origin, status, moderation,
                     scheme, tier, route, raised_at, triage_due, triaged_at, updated_at)
SELECT substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-' || substr(h, 13, 4) || '-' || substr(h, 17, 4) || '-' || substr(h, 21, 12),
       v.id, v.id, (ARRAY['institution', 'public_welfare', 'village_affairs', 'other'])[1 + g % 4],
       '第' || g || '号议题：村里的公共事务', '请大家议一议这件事，第' || g || '号。', a.id, 'app',
       CASE WHEN g % 10 < 7 THEN 'archived' WHEN g % 10 = 7 THEN 'implementing' WHEN g % 10 = 8 THEN 'deliberating' ELSE 'raised' END,
       'clear', CASE WHEN g % 10 = 9 THEN NULL ELSE 'wuyi' END, CASE WHEN g % 10 = 9 THEN NULL ELSE 'small' END,
       CASE WHEN g % 10 = 9 THEN NULL ELSE 'council_settles' END, x.at, x.at + interval '3 days',
       CASE WHEN g % 10 = 9 THEN NULL ELSE x.at + interval '1 day' END, x.at
FROM generate_series(1, :n) AS g
CROSS JOIN bench_village v
JOIN bench_authors a ON a.k = 1 + g % (SELECT count(*) FROM bench_authors)
CROSS JOIN LATERAL (SELECT now() - interval '3 years' + (g::double precision / :n) * interval '3 years' - interval '1 day' AS at) x
CROSS JOIN LATERAL (SELECT
        lpad(to_hex((extract(epoch FROM x.at) * 1000)::bigint), 12, '0')
            || '7' || lpad(to_hex(floor(random() * 4096)::int), 3, '0')
            || to_hex(8 + floor(random() * 4)::int) || lpad(to_hex(floor(random() * 4096)::int), 3, '0')
            || lpad(to_hex(floor(random() * 281474976710656)::bigint), 12, '0') AS h) ids;
COMMIT;
ANALYZE matters;
