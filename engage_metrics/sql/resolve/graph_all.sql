-- The graph of a full rebuild: every record (records.sql over every import) and every
-- person. record_key (the records' keys, kept between changes) is written afresh.
DELETE FROM record_key;
INSERT INTO record_key SELECT rec, key, kind, own FROM new_key;

CREATE OR REPLACE TEMP TABLE old_person AS
SELECT DISTINCT person_id FROM identifier WHERE person_id IS NOT NULL;

CREATE OR REPLACE TEMP TABLE graph_key AS SELECT rec, key FROM record_key;

-- every key is in the graph: none is touched apart from it
CREATE OR REPLACE TEMP TABLE touched_key AS SELECT key FROM graph_key WHERE false;
