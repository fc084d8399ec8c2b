-- id: repeat_rate
-- label: Repeat rate
-- unit: ratio
-- room: participation
-- shape: scalar
-- params: start, end, programs
-- definition: Share of the window's active people (selected programs) who attended at least
--   two distinct event occurrences of the selected programs in the window. Empty when nobody
--   was active.
-- formula: COUNT(active people with >= 2 attended occurrences) / COUNT(active people)
WITH per_person AS (
    SELECT p.person_id, COUNT(DISTINCT p.event_id) AS occurrences
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
    WHERE p.status = 'attended'
      AND e.event_date >= CAST($start AS DATE) AND e.event_date < CAST($end AS DATE)
      AND (len($programs) = 0 OR list_contains($programs, e.program))
    GROUP BY p.person_id
)
SELECT CAST(COUNT(*) FILTER (WHERE occurrences >= 2) AS DOUBLE) / NULLIF(COUNT(*), 0) AS value
FROM per_person
