-- The people whose depth a change can move (metrics.update_snapshots), into temp table
-- depth_person: those whose participations changed (fact_person), and everyone who
-- attended, in [$first, $last) (the days the snapshot dates' ties look back on), an event
-- whose rows changed (scope_event) or that someone in fact_person attended — ties count
-- co-attendance, so theirs can change too. (Every attendee of an event whose rows changed,
-- before the change, is in fact_person already.)
CREATE OR REPLACE TEMP TABLE depth_person AS
WITH ev AS (
    SELECT e.event_id
    FROM event e
    WHERE e.event_date >= CAST($first AS DATE) AND e.event_date < CAST($last AS DATE)
      AND (EXISTS (SELECT 1 FROM scope_event s
                   WHERE s.source = e.source AND s.event_key = e.event_key)
           OR e.event_id IN (SELECT p.event_id FROM participation p
                             WHERE p.status = 'attended'
                               AND p.person_id IN (SELECT person_id FROM fact_person)))
)
SELECT person_id FROM fact_person
UNION
SELECT DISTINCT p.person_id
FROM participation p
WHERE p.status = 'attended' AND p.event_id IN (SELECT event_id FROM ev);
