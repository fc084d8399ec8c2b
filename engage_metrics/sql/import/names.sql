-- The shape of the full-name column of temp table `src` (before staging): how many
-- names it holds, how many are a record id or an autonumber ("VH-000123", not a name),
-- and how many are written "Last, First" (one comma, not before a suffix such as Jr).
WITH v AS (
    SELECT tidy(full_name) AS x FROM src WHERE tidy(full_name) IS NOT NULL
)
SELECT COUNT(*) FILTER (WHERE NOT id_like_name(x)) AS names,
       COUNT(*) FILTER (WHERE id_like_name(x)) AS ids,
       COUNT(*) FILTER (WHERE NOT id_like_name(x) AND last_first_name(x)) AS last_first,
       arg_min(x, x) FILTER (WHERE id_like_name(x)) AS id_example,
       arg_min(x, x) FILTER (WHERE NOT id_like_name(x) AND last_first_name(x)) AS comma_example
FROM v
