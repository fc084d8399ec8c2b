-- Every accepted participation row with the person it resolved to (through any of
-- its identifier keys: after resolution all keys of a row belong to one person).
-- A temp view the other quality queries scope by import.
CREATE OR REPLACE TEMP VIEW q_rows AS
SELECT r.*,
       COALESCE(ie.person_id, ip.person_id, ix.person_id, inm.person_id) AS person_id
FROM raw_participation r
LEFT JOIN identifier ie ON ie.key = 'email:' || r.email
LEFT JOIN identifier ip ON ip.key = 'phone:' || r.phone
LEFT JOIN identifier ix ON ix.key = 'ext:' || r.source || ':' || r.external_id
-- a name key exists only for rows without email, phone and external id (records.sql):
-- only those rows are normalized (norm_words is a regular expression)
LEFT JOIN identifier inm
       ON inm.key = CASE WHEN r.email IS NULL AND r.phone IS NULL AND r.external_id IS NULL
                         THEN 'name:' || r.source || ':' || norm_words(r.full_name) END;
