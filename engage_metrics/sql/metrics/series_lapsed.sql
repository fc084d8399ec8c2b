-- id: series_lapsed
-- label: Lapsed people by month
-- unit: table
-- room: participation
-- shape: table
-- params: start, end, programs, lapse_days
-- definition: The Lapsed people count at the end of each calendar month of the window (the
--   window's end for its last month): people with at least 3 attended participations (selected
--   programs) before that date whose latest one is the lapse threshold (a setting, 180 days by
--   default) or more before it.
-- formula: per month end D: COUNT(person WHERE attended before D >= 3 AND D - last attended >= lapse_days)
WITH RECURSIVE {{ calendar(months, month, month, 1) }},
ends AS (
    SELECT month, LEAST(CAST(month + INTERVAL 1 MONTH AS DATE), CAST($end AS DATE)) AS d
    FROM months
),
attended AS (
    SELECT p.person_id, e.event_date
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
    WHERE p.status = 'attended'
      AND (len($programs) = 0 OR list_contains($programs, e.program))
),
dates AS (           -- each person's attended dates: the participations up to and including it
    SELECT person_id, event_date,
           SUM(COUNT(*)) OVER (PARTITION BY person_id ORDER BY event_date) AS attended,
           LEAD(event_date) OVER (PARTITION BY person_id ORDER BY event_date) AS next_date
    FROM attended
    GROUP BY person_id, event_date
)
-- a person's latest attended date before D is the one with D in (that date, the next one]:
-- one row per person and month end, joined by range instead of every attendance before D
SELECT n.month, n.d AS as_of, COUNT(p.person_id) AS lapsed
FROM ends n
LEFT JOIN dates p
       ON p.event_date < n.d AND (p.next_date IS NULL OR p.next_date >= n.d)
      AND p.attended >= 3 AND {{ lapsed(p.event_date, n.d) }}
GROUP BY n.month, n.d
ORDER BY n.month
