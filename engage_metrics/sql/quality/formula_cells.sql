-- Stored text that a spreadsheet would run as a formula (starts with =, +, -, @):
-- kept verbatim as text and never evaluated; listed so the analyst can check it.
-- Bound: $import_id (NULL: whole database).
-- (the accepted rows' text as imported: the journal, no person needed)
WITH cells AS (
    SELECT r.import_id, 'name' AS field, r.full_name AS value FROM raw_participation r
    UNION ALL SELECT r.import_id, 'event title', r.title FROM raw_participation r
    UNION ALL SELECT r.import_id, 'event type', r.event_type FROM raw_participation r
    UNION ALL SELECT r.import_id, 'program', r.program FROM raw_participation r
    UNION ALL SELECT r.import_id, 'role', r.role FROM raw_participation r
)
SELECT field, value, COUNT(*) AS rows
FROM cells
WHERE regexp_matches(value, '^\s*[=+\-@]')
  AND ($import_id IS NULL OR import_id = $import_id)
GROUP BY field, value
ORDER BY field, value
