-- The events a change rebuilds (temp table scope_event): for a full rebuild ($full) every
-- event, past and present; else those of the rows of the imports in rec_scope and of the
-- undone imports' rows (removed_event, kept by resolve.forget_import before they went).
CREATE OR REPLACE TEMP TABLE scope_event AS
SELECT source, event_key FROM event WHERE $full
UNION
SELECT DISTINCT source, event_key FROM raw_participation
WHERE $full OR import_id IN (SELECT import_id FROM rec_scope)
UNION
SELECT source, event_key FROM removed_event;
