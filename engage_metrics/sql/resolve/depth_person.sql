-- The people whose depth a change can move (metrics.update_snapshots), into temp table
-- depth_person: those whose participations changed (fact_person); those who gained or lost
-- an attended participation (the rows of the rebuilt scope compared with participation_was,
-- kept by depth_was.sql before the rebuild: a person of the file keeps their older rows);
-- and everyone who attended an event whose date, type or touch weight changed, or, in
-- [$first, $last) (the days the snapshot dates' ties look back on), an event that gained or
-- lost an attended participation — ties count co-attendance, so theirs can change too.
CREATE OR REPLACE TEMP TABLE depth_person AS
WITH now AS (        -- the same scope as participation_was, after the rebuild
    SELECT person_id, event_id FROM depth_scope
),
changed AS (         -- attended (person, occurrence) pairs added or removed
    (SELECT person_id, event_id FROM now EXCEPT SELECT person_id, event_id FROM participation_was)
    UNION ALL
    (SELECT person_id, event_id FROM participation_was EXCEPT SELECT person_id, event_id FROM now)
),
moved_event AS (     -- events in scope whose date, type or touch weight changed
    SELECT w.event_id
    FROM event_was_depth w
    JOIN event e ON e.event_id = w.event_id
    WHERE e.event_date <> w.event_date OR e.event_type IS DISTINCT FROM w.event_type
       OR e.touch_weight <> w.touch_weight
)
SELECT person_id FROM fact_person
UNION
SELECT person_id FROM changed
UNION
SELECT p.person_id
FROM participation p
JOIN event e ON e.event_id = p.event_id
WHERE p.status = 'attended'
  AND (p.event_id IN (SELECT event_id FROM moved_event)
       OR (p.event_id IN (SELECT event_id FROM changed)
           AND e.event_date >= CAST($first AS DATE) AND e.event_date < CAST($last AS DATE)));
