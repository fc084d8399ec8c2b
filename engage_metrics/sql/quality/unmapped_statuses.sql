-- Status (or attended) values no status table knows: rejected, never guessed.
-- Bound: $import_id (NULL: whole database).
SELECT l.source,
       CASE WHEN r.reason LIKE 'unknown status%' THEN 'status' ELSE 'attended' END AS column_kind,
       regexp_extract(r.reason, '^unknown (status|attended value) ''(.*)''$', 2) AS value,
       COUNT(*) AS rows,
       MIN(r.line_no) AS first_line
FROM rejected_row r
JOIN import_log l ON l.import_id = r.import_id
WHERE (r.reason LIKE 'unknown status ''%' OR r.reason LIKE 'unknown attended value ''%')
  AND ($import_id IS NULL OR r.import_id = $import_id)
GROUP BY l.source, column_kind, value
ORDER BY rows DESC, l.source, value
