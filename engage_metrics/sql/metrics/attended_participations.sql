-- id: attended_participations
-- label: Attended participations
-- unit: count
-- room: participation
-- shape: scalar
-- params: start, end, programs
-- definition: Number of attended participations (person × event occurrence) in the window,
--   in events of the selected programs.
-- formula: COUNT(*) over attended participations with start <= event date < end
SELECT COUNT(*) AS value
FROM participation p
JOIN event e ON e.event_id = p.event_id
WHERE p.status = 'attended'
  AND e.event_date >= CAST($start AS DATE) AND e.event_date < CAST($end AS DATE)
  AND (len($programs) = 0 OR list_contains($programs, e.program))
