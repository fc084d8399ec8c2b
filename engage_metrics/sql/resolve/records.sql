-- Identity records: every accepted row of the imports in temp table rec_scope (every import
-- for a full rebuild, those an import, undo or link change touches otherwise) with its
-- identifier keys (docs/data-model.md, "Identity"). rec identifies a row: (import_id,
-- table, line) as (import_id * 4 + table) * 2^32 + line.
-- Keys: email, phone, (source, external id). A placeholder email or phone (the macros
-- placeholder_email / placeholder_phone), or one shared by shared_id_min_names() or more
-- different first names within one import, is no key. A row left with none of these keys
-- is weak: it is linked to the one person of its import with exactly its name and an email
-- (key email:<e> plus the link key name:<source>:<name>|<e>) unless the analyst undid that
-- link, else identified by its normalized full name within its source; without a real name
-- (blank, "Guest", an id) it is its own person (name:<source>:#<import>.<table>.<line>).
CREATE OR REPLACE TEMP TABLE rec_all AS
WITH r AS (
    SELECT import_id, 0 AS t, line_no, source, email, phone, external_id, first_name, last_name, full_name, NULL AS recruited_by_email FROM raw_participation
    WHERE import_id IN (SELECT import_id FROM rec_scope)
    UNION ALL
    SELECT import_id, 1, line_no, source, email, phone, external_id, first_name, last_name, full_name, recruited_by_email FROM raw_person
    WHERE import_id IN (SELECT import_id FROM rec_scope)
    UNION ALL
    SELECT import_id, 2, line_no, source, email, phone, external_id, first_name, last_name, full_name, NULL FROM raw_ask
    WHERE import_id IN (SELECT import_id FROM rec_scope)
)
SELECT (CAST(import_id AS BIGINT) * 4 + t) * 4294967296 + line_no AS rec, *
FROM r;

-- each distinct name once: its words, and whether it is a person's name at all
CREATE OR REPLACE TEMP TABLE rec_name AS
SELECT full_name, norm_words(full_name) AS name_w,
       NOT placeholder_name(full_name) AND NOT id_like_name(full_name) AS real_name
FROM (SELECT DISTINCT full_name FROM rec_all WHERE full_name IS NOT NULL);

-- emails and phones that are no identifier in an import: placeholders, and addresses
-- shared by many different first names there
CREATE OR REPLACE TEMP TABLE rec_weak AS
WITH named AS (
    SELECT a.import_id, a.email, a.phone, split_part(n.name_w, ' ', 1) AS first_word
    FROM rec_all a JOIN rec_name n ON n.full_name = a.full_name
    WHERE n.real_name AND (a.email IS NOT NULL OR a.phone IS NOT NULL)
),
shared AS (
    SELECT import_id, 'email' AS kind, email AS value, COUNT(DISTINCT first_word) AS names
    FROM named WHERE email IS NOT NULL GROUP BY import_id, email
    HAVING COUNT(DISTINCT first_word) >= shared_id_min_names()
    UNION ALL
    SELECT import_id, 'phone', phone, COUNT(DISTINCT first_word)
    FROM named WHERE phone IS NOT NULL GROUP BY import_id, phone
    HAVING COUNT(DISTINCT first_word) >= shared_id_min_names()
),
placeholders AS (
    SELECT DISTINCT import_id, 'email' AS kind, email AS value
    FROM rec_all WHERE email IS NOT NULL AND placeholder_email(email)
    UNION ALL
    SELECT DISTINCT import_id, 'phone', phone
    FROM rec_all WHERE phone IS NOT NULL AND placeholder_phone(phone)
)
SELECT import_id, kind, value, 'placeholder' AS why, NULL::BIGINT AS names FROM placeholders
UNION ALL
SELECT s.import_id, s.kind, s.value, 'shared', s.names FROM shared s
WHERE NOT EXISTS (SELECT 1 FROM placeholders p
                  WHERE p.import_id = s.import_id AND p.kind = s.kind AND p.value = s.value);

CREATE OR REPLACE TEMP TABLE rec AS
SELECT a.rec, a.import_id, a.t, a.line_no, a.source,
       CASE WHEN we.value IS NULL THEN a.email END AS email,
       CASE WHEN wp.value IS NULL THEN a.phone END AS phone,
       a.external_id, a.first_name, a.last_name, a.full_name, a.recruited_by_email,
       CASE WHEN n.real_name THEN n.name_w END AS name_w,
       COALESCE(n.real_name, FALSE) AS real_name,
       a.email AS email_given, a.phone AS phone_given
FROM rec_all a
LEFT JOIN rec_name n ON n.full_name = a.full_name
LEFT JOIN rec_weak we ON we.import_id = a.import_id AND we.kind = 'email' AND we.value = a.email
LEFT JOIN rec_weak wp ON wp.import_id = a.import_id AND wp.kind = 'phone' AND wp.value = a.phone;
DROP TABLE rec_all;
DROP TABLE rec_name;

-- name-only rows linked to the one person of their import with that name and an email
CREATE OR REPLACE TEMP TABLE rec_link AS
WITH weak AS (
    SELECT rec, import_id, source, name_w FROM rec
    WHERE email IS NULL AND phone IS NULL AND external_id IS NULL AND name_w IS NOT NULL
),
strong AS (
    SELECT import_id, name_w, MIN(email) AS email
    FROM rec
    WHERE name_w IS NOT NULL
      AND (email IS NOT NULL OR phone IS NOT NULL OR external_id IS NOT NULL)
    GROUP BY import_id, name_w
    -- exactly one email for that name, and no row of that name identified otherwise
    HAVING COUNT(DISTINCT email) = 1 AND COUNT(*) FILTER (WHERE email IS NULL) = 0
),
links AS (
    SELECT w.rec, w.import_id,
           'name:' || w.source || ':' || w.name_w || '|' || s.email AS link_key,
           'email:' || s.email AS email_key
    FROM weak w JOIN strong s ON s.import_id = w.import_id AND s.name_w = w.name_w
)
SELECT * FROM links l
WHERE NOT EXISTS (SELECT 1 FROM identity_decision d
                  WHERE d.decision = 'apart'
                    AND ((d.key_a = l.link_key AND d.key_b = l.email_key)
                         OR (d.key_a = l.email_key AND d.key_b = l.link_key)));

-- the records' keys; own: the record's own email or phone (not a placeholder, not shared),
-- which a person shows
CREATE OR REPLACE TEMP TABLE new_key AS
SELECT rec, 'email:' || email AS key, 'email' AS kind, TRUE AS own FROM rec WHERE email IS NOT NULL
UNION ALL
SELECT rec, 'phone:' || phone, 'phone', TRUE FROM rec WHERE phone IS NOT NULL
UNION ALL
SELECT rec, 'ext:' || source || ':' || external_id, 'ext', FALSE FROM rec WHERE external_id IS NOT NULL
UNION ALL
SELECT rec, email_key, 'email', FALSE FROM rec_link
UNION ALL
SELECT rec, link_key, 'name', FALSE FROM rec_link
UNION ALL
SELECT rec,
       CASE WHEN name_w IS NOT NULL THEN 'name:' || source || ':' || name_w
            ELSE 'name:' || source || ':#' || import_id || '.' || t || '.' || line_no END,
       'name', FALSE
FROM rec
WHERE email IS NULL AND phone IS NULL AND external_id IS NULL
  AND rec NOT IN (SELECT rec FROM rec_link);
