-- id: lapsed_people
-- label: Lapsed people
-- unit: count
-- room: participation
-- shape: scalar
-- params: end, programs
-- definition: People with at least 3 attended participations (selected programs) before the
--   window's end whose latest one is 180 days or more before the end.
-- formula: COUNT(person WHERE attended before end >= 3 AND last attended date <= end - 180 days)
WITH per_person AS (
    SELECT p.person_id, COUNT(*) AS attended, MAX(e.event_date) AS last_date
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
    WHERE p.status = 'attended'
      AND e.event_date < CAST($end AS DATE)
      AND (len($programs) = 0 OR list_contains($programs, e.program))
    GROUP BY p.person_id
)
SELECT COUNT(*) AS value
FROM per_person
WHERE attended >= 3 AND date_diff('day', last_date, CAST($end AS DATE)) >= 180
