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
first_attended AS (
    SELECT p.person_id, MIN(e.event_date) AS first_date
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
    WHERE p.status = 'attended'
    GROUP BY p.person_id
),
attended AS (
    SELECT p.person_id, CAST(date_trunc('month', e.event_date) AS DATE) AS month,
           CAST(date_trunc('month', f.first_date) AS DATE) AS first_month,
           f.first_date >= CAST($start AS DATE) AS first_in_window
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
    JOIN first_attended f ON f.person_id = p.person_id
    WHERE {{ attended_in_window }}
),
counted AS (
    SELECT month,
           COUNT(DISTINCT person_id) AS active,
           COUNT(DISTINCT person_id) FILTER (WHERE first_month = month AND first_in_window) AS new,
           COUNT(*) AS attended
    FROM attended
    GROUP BY month
)
SELECT m.month,
       COALESCE(c.active, 0) AS active,
       COALESCE(c.new, 0) AS new,
       COALESCE(c.active, 0) - COALESCE(c.new, 0) AS returning,
       COALESCE(c.attended, 0) AS attended
FROM months m
LEFT JOIN counted c ON c.month = m.month
ORDER BY m.month
