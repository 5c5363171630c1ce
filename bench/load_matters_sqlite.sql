-- As bench/load_matters.sql, for SQLite: :n is replaced by bench/matters before running
-- (sqlite3 has no variables); no ANALYZE (planner statistics are the server's business).
BEGIN;
WITH RECURSIVE g(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM g WHERE k < :n),
village AS (SELECT id FROM org_units WHERE kind = 'village' AND name = '塘湾村'),
authors AS (
    SELECT row_number() OVER (ORDER BY u.id) AS k, u.id FROM users u
    JOIN residencies r ON r.user_id = u.id AND r.status = 'approved'
    JOIN org_units o ON o.id = r.org_unit_id
    WHERE o.path LIKE '%' || (SELECT id FROM village) || '%'),
x AS (SELECT k, CAST(strftime('%s', 'now') AS INTEGER) * 1000 - 94608000000 + (k * 94608000000) / :n - 86400000 AS ms FROM g),
h AS (SELECT k, ms, printf('%012x', ms) || '7' || printf('%03x', abs(random()) % 4096)
            || printf('%x', 8 + abs(random()) % 4) || printf('%03x', abs(random()) % 4096)
            || printf('%012x', abs(random()) % 281474976710656) AS h FROM x)
INSERT INTO matters (id, scope_id, village_id, category, title, body, author_id, origin, status, moderation,
                     scheme, tier, route, raised_at, triage_due, triaged_at, updated_at)
SELECT substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-' || substr(h, 13, 4) || '-' || substr(h, 17, 4) || '-' || substr(h, 21, 12),
       (SELECT id FROM village), (SELECT id FROM village),
       CASE h.k % 4 WHEN 0 THEN 'institution' WHEN 1 THEN 'public_welfare' WHEN 2 THEN 'village_affairs' ELSE 'other' END,
       '第' || h.k || '号议题：村里的公共事务', '请大家议一议这件事，第' || h.k || '号。',
       (SELECT id FROM authors WHERE authors.k = 1 + h.k % (SELECT count(*) FROM authors)), 'app',
       CASE WHEN h.k % 10 < 7 THEN 'archived' WHEN h.k % 10 = 7 THEN 'implementing' WHEN h.k % 10 = 8 THEN 'deliberating' ELSE 'raised' END,
       'clear', CASE WHEN h.k % 10 = 9 THEN NULL ELSE 'wuyi' END, CASE WHEN h.k % 10 = 9 THEN NULL ELSE 'small' END,
       CASE WHEN h.k % 10 = 9 THEN NULL ELSE 'council_settles' END,
       strftime('%Y-%m-%d %H:%M:%f', h.ms / 1000.0, 'unixepoch'),
       strftime('%Y-%m-%d %H:%M:%f', h.ms / 1000.0 + 259200, 'unixepoch'),
       CASE WHEN h.k % 10 = 9 THEN NULL ELSE strftime('%Y-%m-%d %H:%M:%f', h.ms / 1000.0 + 86400, 'unixepoch') END,
       strftime('%Y-%m-%d %H:%M:%f', h.ms / 1000.0, 'unixepoch')
FROM h;
COMMIT;
