-- Before an incremental rebuild (build.sql) deletes and writes again the participations of
-- the graph's people and of the events in scope_event: what depth reads of them, so that
-- depth_person.sql can tell the rows that really change from those written back as they
-- were (a person of the file keeps every older participation). participation_was: their
-- attended (person, occurrence) pairs; event_was_depth: the date, type and touch weight of
-- the events in scope. The same scope after the rebuild (the view depth_scope, read again
-- by depth_person.sql) is compared with them.
CREATE OR REPLACE TEMP VIEW depth_scope AS
SELECT p.person_id, p.event_id
FROM participation p
WHERE p.status = 'attended'
  AND (p.person_id IN (SELECT person_id FROM old_person
                       UNION SELECT label FROM rec_label WHERE rec >= 0)
       OR p.event_id IN (SELECT e.event_id FROM event e
                         JOIN scope_event s ON s.source = e.source AND s.event_key = e.event_key));

CREATE OR REPLACE TEMP TABLE participation_was AS SELECT person_id, event_id FROM depth_scope;

CREATE OR REPLACE TEMP TABLE event_was_depth AS
SELECT e.event_id, e.event_date, e.event_type, e.touch_weight
FROM event e
JOIN scope_event s ON s.source = e.source AND s.event_key = e.event_key;
