-- Past events with registrations but no attendance marked (no attended and no
-- no_show participation): attendance was probably never taken or not exported.
-- Bound: $import_id (NULL: whole database; else events that import touched), $as_of.
SELECT e.event_id, e.title, e.event_type, e.program, e.event_date, e.source,
       COUNT(*) FILTER (WHERE p.status = 'registered') AS registered,
       COUNT(*) FILTER (WHERE p.status = 'cancelled') AS cancelled
FROM event e
JOIN participation p ON p.event_id = e.event_id
WHERE e.event_date < $as_of
  AND ($import_id IS NULL OR EXISTS (
        SELECT 1 FROM raw_participation r
        WHERE r.import_id = $import_id AND r.source = e.source AND r.event_key = e.event_key))
GROUP BY e.event_id, e.title, e.event_type, e.program, e.event_date, e.source
HAVING COUNT(*) FILTER (WHERE p.status IN ('attended', 'no_show')) = 0
   AND COUNT(*) FILTER (WHERE p.status = 'registered') > 0
ORDER BY e.event_date, e.title
