-- id: total_hours
-- label: Volunteer hours
-- unit: hours
-- room: participation
-- shape: scalar
-- params: start, end, programs
-- definition: Sum of the hours of attended participations in the window, in events of the
--   selected programs; participations without hours count as 0.
-- formula: SUM(COALESCE(hours, 0)) over attended participations with start <= event date < end
SELECT CAST(COALESCE(SUM(COALESCE(p.hours, 0)), 0) AS DOUBLE) AS value
FROM participation p
JOIN event e ON e.event_id = p.event_id
WHERE p.status = 'attended'
  AND e.event_date >= CAST($start AS DATE) AND e.event_date < CAST($end AS DATE)
  AND (len($programs) = 0 OR list_contains($programs, e.program))
