-- Stored text that a spreadsheet would run as a formula (starts with =, +, -, @):
-- kept verbatim as text and never evaluated; listed so the analyst can check it.
-- Bound: $import_id (NULL: whole database).
WITH cells AS (
    SELECT q.import_id, 'name' AS field, q.full_name AS value FROM q_rows q
    UNION ALL SELECT q.import_id, 'event title', q.title FROM q_rows q
    UNION ALL SELECT q.import_id, 'event type', q.event_type FROM q_rows q
    UNION ALL SELECT q.import_id, 'program', q.program FROM q_rows q
    UNION ALL SELECT q.import_id, 'role', q.role FROM q_rows q
)
SELECT field, value, COUNT(*) AS rows
FROM cells
WHERE regexp_matches(value, '^\s*[=+\-@]')
  AND ($import_id IS NULL OR import_id = $import_id)
GROUP BY field, value
ORDER BY field, value
