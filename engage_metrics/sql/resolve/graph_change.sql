-- The graph of a change (imports added, undone or whose records changed: the imports of
-- temp table rec_scope; keys a decision joins: temp table decision_key): the people the
-- change touches and every record of theirs. A person is a connected component, so
-- labelling only these records again gives what a full rebuild gives.

-- the keys the change touches: those of the scope's records before (record_key) and now
-- (new_key, from records.sql), and the keys of a merge decision
CREATE OR REPLACE TEMP TABLE touched_key AS
SELECT key FROM record_key WHERE (rec >> 34) IN (SELECT import_id FROM rec_scope)
UNION SELECT key FROM new_key
UNION SELECT key FROM decision_key;

DELETE FROM record_key WHERE (rec >> 34) IN (SELECT import_id FROM rec_scope);
INSERT INTO record_key SELECT rec, key, kind, own FROM new_key;

-- the people holding a touched key, or joined to one by a merge decision
CREATE OR REPLACE TEMP TABLE old_person AS
WITH partner AS (
    SELECT CASE WHEN d.key_a IN (SELECT key FROM touched_key) THEN d.key_b ELSE d.key_a END AS key
    FROM identity_decision d
    WHERE d.decision = 'merge'
      AND (d.key_a IN (SELECT key FROM touched_key) OR d.key_b IN (SELECT key FROM touched_key))
)
SELECT DISTINCT person_id FROM identifier
WHERE person_id IS NOT NULL
  AND (key IN (SELECT key FROM touched_key) OR key IN (SELECT key FROM partner));

-- every record holding a key of those people or a touched key, with all its keys
CREATE OR REPLACE TEMP TABLE graph_key AS
WITH keys AS (
    SELECT key FROM identifier WHERE person_id IN (SELECT person_id FROM old_person)
    UNION SELECT key FROM touched_key
)
SELECT rec, key FROM record_key
WHERE rec IN (SELECT rec FROM record_key WHERE key IN (SELECT key FROM keys));
