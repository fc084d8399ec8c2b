-- Identity records: every accepted row of every import with its identifier keys.
-- rec identifies a row: (import_id, table, line). Keys: email, phone,
-- (source, external id); rows with none of these are identified weakly by
-- their normalized full name within their source.
CREATE OR REPLACE TEMP TABLE rec AS
WITH r AS (
    SELECT import_id, 0 AS t, line_no, source, email, phone, external_id, first_name, last_name, full_name, NULL AS recruited_by_email FROM raw_participation
    UNION ALL
    SELECT import_id, 1, line_no, source, email, phone, external_id, first_name, last_name, full_name, recruited_by_email FROM raw_person
    UNION ALL
    SELECT import_id, 2, line_no, source, email, phone, external_id, first_name, last_name, full_name, NULL FROM raw_ask
)
SELECT (CAST(import_id AS BIGINT) * 4 + t) * 4294967296 + line_no AS rec, *
FROM r;

CREATE OR REPLACE TEMP TABLE rec_key AS
SELECT rec, 'email:' || email AS key, 'email' AS kind FROM rec WHERE email IS NOT NULL
UNION ALL
SELECT rec, 'phone:' || phone, 'phone' FROM rec WHERE phone IS NOT NULL
UNION ALL
SELECT rec, 'ext:' || source || ':' || external_id, 'ext' FROM rec WHERE external_id IS NOT NULL
UNION ALL
SELECT rec, 'name:' || source || ':' || norm_words(full_name), 'name' FROM rec
WHERE email IS NULL AND phone IS NULL AND external_id IS NULL
  AND full_name IS NOT NULL AND norm_words(full_name) <> ''
;

-- an analyst's merge decision links two keys like a record holding both
INSERT INTO rec_key
WITH d AS (
    SELECT -ROW_NUMBER() OVER (ORDER BY key_a, key_b) AS rec, key_a, key_b
    FROM identity_decision
    WHERE decision = 'merge'
      AND key_a IN (SELECT key FROM rec_key) AND key_b IN (SELECT key FROM rec_key)
)
SELECT rec, key_a, split_part(key_a, ':', 1) FROM d
UNION ALL
SELECT rec, key_b, split_part(key_b, ':', 1) FROM d;

-- Register keys seen for the first time; forget keys no record holds any more.
DELETE FROM identifier WHERE key NOT IN (SELECT key FROM rec_key);

INSERT INTO identifier (key, kind, ident_no, person_id)
SELECT key, kind,
       (SELECT COALESCE(MAX(ident_no), 0) FROM identifier) + ROW_NUMBER() OVER (ORDER BY key),
       NULL
FROM (SELECT key, MIN(kind) AS kind FROM rec_key GROUP BY key) k
WHERE key NOT IN (SELECT key FROM identifier);

CREATE OR REPLACE TEMP TABLE key_label AS
SELECT key, ident_no AS label FROM identifier;
