-- Name-only rows linked by name (records.sql): their link keys
-- name:<source>:<name>|<email>, the person they joined and that person's key
-- email:<email>. A weak name key cannot end in "|<email>" (names are words).
SELECT l.key AS link_key, e.key AS email_key, p.person_id, p.full_name, p.email
FROM identifier l
JOIN identifier e ON e.person_id = l.person_id AND e.kind = 'email'
                 AND ends_with(l.key, '|' || SUBSTRING(e.key, 7))
JOIN person p ON p.person_id = l.person_id
WHERE l.kind = 'name'
ORDER BY p.full_name, l.key
