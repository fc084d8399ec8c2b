-- Event types (or titles, when an event has no type) that no classification
-- keyword matched: counted as mixed until the analyst classifies them.
-- Bound: $import_id (NULL: whole database).
SELECT COALESCE(e.event_type, e.title) AS event_type_or_title,
       e.event_type IS NULL AS from_title,
       COUNT(*) AS events,
       MIN(e.event_date) AS first_date,
       MAX(e.event_date) AS last_date
FROM event e
WHERE NOT e.classified
  AND ($import_id IS NULL OR EXISTS (
        SELECT 1 FROM raw_participation r
        WHERE r.import_id = $import_id AND r.source = e.source AND r.event_key = e.event_key))
GROUP BY event_type_or_title, from_title
ORDER BY events DESC, event_type_or_title
