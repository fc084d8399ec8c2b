-- id: series_participation
-- label: Active, new and returning people by month
-- unit: table
-- room: participation
-- shape: table
-- params: start, end, programs
-- definition: For each calendar month of the window (selected programs): active people (at least
--   one attended participation that month), new people (their first attended participation ever,
--   any program, is in that month), returning people (active minus new) and attended
--   participations. Months are cut to the window: in its first month, someone who first came
--   before the window's start is returning, not new. Every month is listed.
-- formula: active = COUNT(DISTINCT person attended in month); new = COUNT(active WHERE first attended in month); returning = active - new
WITH RECURSIVE {{ calendar(months, month, month, 1) }},
attended AS (        -- one row per person and month, with their attended participations
    SELECT p.person_id, CAST(date_trunc('month', e.event_date) AS DATE) AS month,
           COUNT(*) AS attended
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
    WHERE {{ attended_in_window }}
    GROUP BY p.person_id, CAST(date_trunc('month', e.event_date) AS DATE)
),
counted AS (         -- first attendance ever, any program: person_fact (kept by every import)
    SELECT a.month,
           COUNT(*) AS active,
           COUNT(*) FILTER (WHERE CAST(date_trunc('month', f.first_attended) AS DATE) = a.month
                              AND f.first_attended >= CAST($start AS DATE)) AS new,
           SUM(a.attended) AS attended
    FROM attended a
    JOIN person_fact f ON f.person_id = a.person_id
    GROUP BY a.month
)
SELECT m.month,
       COALESCE(c.active, 0) AS active,
       COALESCE(c.new, 0) AS new,
       COALESCE(c.active, 0) - COALESCE(c.new, 0) AS returning,
       CAST(COALESCE(c.attended, 0) AS BIGINT) AS attended
FROM months m
LEFT JOIN counted c ON c.month = m.month
ORDER BY m.month
