-- What identity resolution decided about one import's rows ($import_id), for the
-- import's notes: placeholder and shared emails and phones, rows left with no identity
-- but their own row, and name-only rows linked by name. Reads the temp tables of
-- records.sql (rec, rec_weak, rec_link) before resolve.rebuild drops them.
SELECT CASE w.why WHEN 'placeholder' THEN 1 ELSE 3 END
       + CASE w.kind WHEN 'email' THEN 0 ELSE 1 END AS ord,
       w.why, w.kind, COUNT(*) AS rows,
       string_agg(DISTINCT w.value, ', ' ORDER BY w.value) AS vals,
       MIN(w.names) AS names
FROM rec_weak w
JOIN rec r ON r.import_id = w.import_id
          AND ((w.kind = 'email' AND r.email_given = w.value)
               OR (w.kind = 'phone' AND r.phone_given = w.value))
WHERE w.import_id = $import_id
GROUP BY w.why, w.kind
UNION ALL
SELECT 5, 'own_row', NULL, COUNT(*),
       string_agg(DISTINCT full_name, ', ' ORDER BY full_name), NULL
FROM rec
WHERE import_id = $import_id AND email IS NULL AND phone IS NULL AND external_id IS NULL
  AND name_w IS NULL
HAVING COUNT(*) > 0
UNION ALL
SELECT 6, 'linked', NULL, COUNT(*), NULL, COUNT(DISTINCT email_key)
FROM rec_link WHERE import_id = $import_id
HAVING COUNT(*) > 0
ORDER BY ord
