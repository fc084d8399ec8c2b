-- id: dist_no_show
-- label: No-show rate by event type
-- unit: table
-- room: participation
-- shape: table
-- params: start, end, programs
-- definition: For each event type in the window (selected programs): attended participations,
--   no-shows and the no-show rate = no-shows ÷ (attended + no-shows). Types with neither are left
--   out.
-- formula: COUNT(no_show) / (COUNT(attended) + COUNT(no_show)) per event type
SELECT COALESCE(e.event_type, '(no type)') AS event_type,
       COUNT(*) FILTER (WHERE p.status = 'attended') AS attended,
       COUNT(*) FILTER (WHERE p.status = 'no_show') AS no_show,
       CAST(COUNT(*) FILTER (WHERE p.status = 'no_show') AS DOUBLE)
           / COUNT(*) FILTER (WHERE p.status IN ('attended', 'no_show')) AS rate
FROM participation p
JOIN event e ON e.event_id = p.event_id
WHERE e.event_date >= CAST($start AS DATE) AND e.event_date < CAST($end AS DATE)
  AND (len($programs) = 0 OR list_contains($programs, e.program))
  AND p.status IN ('attended', 'no_show')
GROUP BY 1
ORDER BY rate DESC, event_type
