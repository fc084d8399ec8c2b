-- The base rate the still-active backtest is compared with, known at $start: of the people who
-- attended in the 365 days before $start − $horizon, the share who attended in
-- [$start − $horizon, $start).
WITH before AS (
    SELECT DISTINCT p.person_id
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
    WHERE p.status = 'attended'
      AND e.event_date < CAST($start AS DATE) - CAST($horizon AS INTEGER)
      AND e.event_date >= CAST($start AS DATE) - CAST($horizon AS INTEGER) - 365
),
came AS (
    SELECT DISTINCT p.person_id
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
    WHERE p.status = 'attended' AND e.event_date < CAST($start AS DATE)
      AND e.event_date >= CAST($start AS DATE) - CAST($horizon AS INTEGER)
)
SELECT COUNT(*) AS people, COUNT(c.person_id) AS came_back
FROM before b
LEFT JOIN came c ON c.person_id = b.person_id
