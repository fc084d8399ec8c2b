-- Rejected rows by reason; `kind` groups reasons that differ only in the quoted
-- value ("unknown status '…'"). Bound: $import_id (NULL: whole database).
SELECT regexp_replace(r.reason, '''[^'']*''', '''…''', 'g') AS kind,
       r.reason,
       COUNT(*) AS rows,
       MIN(r.line_no) AS first_line
FROM rejected_row r
WHERE $import_id IS NULL OR r.import_id = $import_id
GROUP BY r.reason
ORDER BY rows DESC, r.reason
