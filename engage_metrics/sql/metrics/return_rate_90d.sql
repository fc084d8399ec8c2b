-- id: return_rate_90d
-- label: 90-day return rate
-- unit: ratio
-- room: participation
-- shape: scalar
-- params: start, end, programs
-- definition: Of the window's new people (first attended participation ever in the window,
--   active in the selected programs) whose first attendance is at least 90 days before the
--   data's last event date, the share who attended again (any program) on a later date at
--   most 90 days after that first attendance. Later newcomers cannot be judged yet and are
--   left out; empty when none can be judged.
-- formula: COUNT(new AND attended in (first, first + 90 days]) / COUNT(new AND first <= last date - 90 days)
WITH attended AS (
    SELECT p.person_id, e.event_date, e.program
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
    WHERE p.status = 'attended'
),
first_attended AS (
    SELECT person_id, MIN(event_date) AS first_date FROM attended GROUP BY person_id
),
data_end AS (
    SELECT MAX(event_date) AS last_date FROM event
),
cohort AS (
    SELECT f.person_id, f.first_date
    FROM first_attended f
    CROSS JOIN data_end d
    WHERE f.first_date >= CAST($start AS DATE) AND f.first_date < CAST($end AS DATE)
      AND date_diff('day', f.first_date, d.last_date) >= 90
      AND EXISTS (
          SELECT 1 FROM attended a
          WHERE a.person_id = f.person_id
            AND a.event_date >= CAST($start AS DATE) AND a.event_date < CAST($end AS DATE)
            AND (len($programs) = 0 OR list_contains($programs, a.program)))
),
returned AS (
    SELECT DISTINCT c.person_id
    FROM cohort c
    JOIN attended a ON a.person_id = c.person_id
    WHERE a.event_date > c.first_date AND date_diff('day', c.first_date, a.event_date) <= 90
)
SELECT CAST((SELECT COUNT(*) FROM returned) AS DOUBLE) / NULLIF((SELECT COUNT(*) FROM cohort), 0)
    AS value
