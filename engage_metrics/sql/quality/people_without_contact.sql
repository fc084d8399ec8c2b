-- People with neither an email nor a phone: they cannot be reached, and only an
-- id or a name identifies them. Bound: $import_id (NULL: whole database).
SELECT p.person_id, p.full_name, p.weak_identity,
       COUNT(pa.event_id) AS participations
FROM person p
LEFT JOIN participation pa ON pa.person_id = p.person_id
WHERE p.email IS NULL AND p.phone IS NULL
  AND ($import_id IS NULL OR p.person_id IN (
        SELECT q.person_id FROM q_rows q WHERE q.import_id = $import_id))
GROUP BY p.person_id, p.full_name, p.weak_identity
ORDER BY p.full_name, p.person_id
