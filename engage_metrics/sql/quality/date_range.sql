-- First and last event date, and the size of the data, of one import's accepted
-- rows or of the whole database. Bound: $import_id (NULL: whole database).
SELECT MIN(CAST(q.starts_at AS DATE)) AS first_date,
       MAX(CAST(q.starts_at AS DATE)) AS last_date,
       COUNT(DISTINCT q.person_id) AS people,
       COUNT(DISTINCT (q.source, q.event_key)) AS events,
       COUNT(DISTINCT (q.person_id, q.source, q.event_key)) AS participations
FROM q_rows q
WHERE $import_id IS NULL OR q.import_id = $import_id
