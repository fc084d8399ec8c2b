-- id: active_people
-- label: Active people
-- unit: count
-- room: participation
-- shape: scalar
-- params: start, end, programs
-- definition: Distinct people with at least one attended participation in the window,
--   counting only events of the selected programs (all programs when none is selected).
-- formula: COUNT(DISTINCT person) over attended participations with start <= event date < end
SELECT COUNT(DISTINCT p.person_id) AS value
FROM participation p
JOIN event e ON e.event_id = p.event_id
WHERE p.status = 'attended'
  AND e.event_date >= CAST($start AS DATE) AND e.event_date < CAST($end AS DATE)
  AND (len($programs) = 0 OR list_contains($programs, e.program))
