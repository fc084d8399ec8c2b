-- What an import changed against the previous import of the same source and kind:
-- participation rows (person x occurrence), people and events added, changed,
-- removed or the same. Within one import the most informative row of a pair
-- counts (as in the rebuild). Bound: $import_id, $previous_id (NULL: no previous).
-- A source's first import (no previous) adds everything: its distinct rows, people and
-- events are counted without ranking the rows.
WITH first_rows AS (
    SELECT DISTINCT person_id, source, event_key
    FROM q_rows
    WHERE $previous_id IS NULL AND import_id = $import_id
),
r AS (
    SELECT q.*,
           ROW_NUMBER() OVER (
               PARTITION BY q.import_id, q.person_id, q.source, q.event_key
               ORDER BY CASE q.status WHEN 'attended' THEN 0 WHEN 'no_show' THEN 1
                                      WHEN 'cancelled' THEN 2 ELSE 3 END,
                        q.hours DESC NULLS LAST, q.role, q.line_no) AS pick
    FROM q_rows q
    WHERE $previous_id IS NOT NULL AND (q.import_id = $import_id OR q.import_id = $previous_id)
),
cur AS (SELECT * FROM r WHERE import_id = $import_id AND pick = 1),
prev AS (SELECT * FROM r WHERE import_id = $previous_id AND pick = 1),
row_diff AS (
    SELECT COALESCE(c.person_id, p.person_id) AS person_id,
           CASE WHEN p.person_id IS NULL THEN 'added'
                WHEN c.person_id IS NULL THEN 'removed'
                WHEN c.status IS DISTINCT FROM p.status OR c.role IS DISTINCT FROM p.role
                     OR c.hours IS DISTINCT FROM p.hours THEN 'changed'
                ELSE 'same' END AS change
    FROM cur c
    FULL JOIN prev p
      ON p.person_id = c.person_id AND p.source = c.source AND p.event_key = c.event_key
),
person_diff AS (
    SELECT person_id,
           CASE WHEN BOOL_AND(change = 'added') THEN 'added'
                WHEN BOOL_AND(change = 'removed') THEN 'removed'
                WHEN BOOL_OR(change <> 'same') THEN 'changed'
                ELSE 'same' END AS change
    FROM row_diff GROUP BY person_id
),
ev AS (
    SELECT import_id, source, event_key,
           arg_max(title, line_no) AS title, arg_max(event_type, line_no) AS event_type,
           arg_max(program, line_no) AS program, arg_max(starts_at, line_no) AS starts_at,
           arg_max(ends_at, line_no) AS ends_at
    FROM r GROUP BY import_id, source, event_key
),
event_diff AS (
    SELECT CASE WHEN p.event_key IS NULL THEN 'added'
                WHEN c.event_key IS NULL THEN 'removed'
                WHEN c.title IS DISTINCT FROM p.title OR c.event_type IS DISTINCT FROM p.event_type
                     OR c.program IS DISTINCT FROM p.program OR c.starts_at IS DISTINCT FROM p.starts_at
                     OR c.ends_at IS DISTINCT FROM p.ends_at THEN 'changed'
                ELSE 'same' END AS change
    FROM (SELECT * FROM ev WHERE import_id = $import_id) c
    FULL JOIN (SELECT * FROM ev WHERE import_id = $previous_id) p
      ON p.source = c.source AND p.event_key = c.event_key
)
SELECT 'rows' AS what, change, COUNT(*) AS n FROM row_diff GROUP BY change
UNION ALL
SELECT 'people', change, COUNT(*) FROM person_diff GROUP BY change
UNION ALL
SELECT 'events', change, COUNT(*) FROM event_diff GROUP BY change
UNION ALL
SELECT 'rows', 'added', COUNT(*) FROM first_rows HAVING COUNT(*) > 0
UNION ALL
SELECT 'people', 'added', COUNT(*) FROM (SELECT DISTINCT person_id FROM first_rows) d
HAVING COUNT(*) > 0
UNION ALL
SELECT 'events', 'added', COUNT(*) FROM (SELECT DISTINCT source, event_key FROM first_rows) d
HAVING COUNT(*) > 0
