-- The keys of the graph (graph_all.sql or graph_change.sql) and their first labels.
-- An analyst's merge decision links two keys like a record holding both (when both are
-- held by a record).
INSERT INTO graph_key
WITH present AS (SELECT DISTINCT key FROM graph_key),
d AS (
    SELECT -ROW_NUMBER() OVER (ORDER BY key_a, key_b) AS rec, key_a, key_b
    FROM identity_decision
    WHERE decision = 'merge'
      AND key_a IN (SELECT key FROM present) AND key_b IN (SELECT key FROM present)
)
SELECT rec, key_a FROM d
UNION ALL
SELECT rec, key_b FROM d;

-- Forget the graph people's keys no record holds any more; register keys seen for the
-- first time (ident_no on first sight, in key order, after the highest one kept).
DELETE FROM identifier
WHERE person_id IN (SELECT person_id FROM old_person)
  AND key NOT IN (SELECT key FROM graph_key);

INSERT INTO identifier (key, kind, ident_no, person_id)
SELECT key, kind,
       (SELECT COALESCE(MAX(ident_no), 0) FROM identifier) + ROW_NUMBER() OVER (ORDER BY key),
       NULL
FROM (SELECT key, MIN(kind) AS kind FROM new_key GROUP BY key) k
WHERE key NOT IN (SELECT key FROM identifier);

CREATE OR REPLACE TEMP TABLE key_label AS
SELECT key, ident_no AS label FROM identifier WHERE key IN (SELECT key FROM graph_key);
