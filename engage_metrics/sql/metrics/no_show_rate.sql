-- id: no_show_rate
-- label: No-show rate
-- unit: ratio
-- room: participation
-- shape: scalar
-- params: start, end, programs
-- definition: No-shows divided by (attended + no-shows) among participations of the selected
--   programs in the window. Registered and cancelled participations are not counted. Empty
--   when there are neither.
-- formula: COUNT(no_show) / (COUNT(attended) + COUNT(no_show)), start <= event date < end
SELECT CAST(COUNT(*) FILTER (WHERE p.status = 'no_show') AS DOUBLE)
       / NULLIF(COUNT(*) FILTER (WHERE p.status IN ('attended', 'no_show')), 0) AS value
FROM participation p
JOIN event e ON e.event_id = p.event_id
WHERE e.event_date >= CAST($start AS DATE) AND e.event_date < CAST($end AS DATE)
  AND (len($programs) = 0 OR list_contains($programs, e.program))
