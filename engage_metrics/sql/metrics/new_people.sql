-- id: new_people
-- label: New people
-- unit: count
-- room: participation
-- shape: scalar
-- params: start, end, programs
-- definition: Active people (attended in the window, in the selected programs) whose first
--   attended participation ever, in any program, is in the window.
-- formula: COUNT(active person WHERE first attended date (all programs) >= start)
WITH active AS (
    SELECT DISTINCT p.person_id
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
    WHERE p.status = 'attended'
      AND e.event_date >= CAST($start AS DATE) AND e.event_date < CAST($end AS DATE)
      AND (len($programs) = 0 OR list_contains($programs, e.program))
)
SELECT COUNT(*) AS value
FROM active a
JOIN person_fact f ON f.person_id = a.person_id   -- first attendance in all programs
WHERE f.first_attended >= CAST($start AS DATE)
