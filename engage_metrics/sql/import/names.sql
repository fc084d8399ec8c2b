-- The shape of the full-name column of temp table `src` (before staging): how many
-- names it holds, how many are a record id or an autonumber ("VH-000123", not a name),
-- and how many are written "Last, First" (one comma, not before a suffix such as Jr).
-- Each distinct value is tested once.
WITH v AS (
    SELECT x, COUNT(*) AS n, id_like_name(x) AS is_id, last_first_name(x) AS is_comma
    FROM (SELECT tidy(full_name) AS x FROM src) s
    WHERE x IS NOT NULL
    GROUP BY x
)
SELECT COALESCE(SUM(n) FILTER (WHERE NOT is_id), 0) AS names,
       COALESCE(SUM(n) FILTER (WHERE is_id), 0) AS ids,
       COALESCE(SUM(n) FILTER (WHERE NOT is_id AND is_comma), 0) AS last_first,
       MIN(x) FILTER (WHERE is_id) AS id_example,
       MIN(x) FILTER (WHERE NOT is_id AND is_comma) AS comma_example
FROM v
