-- Apply the classification and the ladder to events and participations.
-- Keywords match whole words from their start in the event type, else in the
-- title; the longest matching keyword wins (ties: task, relationship, mixed).
-- No match: mixed, reported as unclassified. Event type rung: a ladder
-- event_type keyword, else 3 for task mode, else 2. Role rung: the longest
-- matching ladder role keyword, else 2. Participation rung: the higher of both.
-- Applies to the events of temp table cfg_event and the participations of those events
-- or of the people of temp table cfg_person (every one after a settings change).
CREATE OR REPLACE TEMP TABLE type_class AS
WITH t AS (
    SELECT DISTINCT event_type, title,
           ' ' || norm_words(COALESCE(event_type, '')) || ' ' AS w1,
           ' ' || norm_words(title) || ' ' AS w2
    FROM event
    WHERE event_id IN (SELECT event_id FROM cfg_event)
),
m AS (
    SELECT t.event_type, t.title, c.mode, 1 AS pri, LENGTH(c.keyword) AS len
    FROM t JOIN classification c ON POSITION(' ' || c.keyword IN t.w1) > 0
    UNION ALL
    SELECT t.event_type, t.title, c.mode, 2, LENGTH(c.keyword)
    FROM t JOIN classification c ON POSITION(' ' || c.keyword IN t.w2) > 0
),
best_mode AS (
    SELECT event_type, title,
           arg_min(mode, pri * 1000000 - len * 10
                   + CASE mode WHEN 'task' THEN 0 WHEN 'relationship' THEN 1 ELSE 2 END) AS mode
    FROM m GROUP BY event_type, title
),
r AS (
    SELECT t.event_type, t.title, l.rung, 1 AS pri, LENGTH(l.keyword) AS len
    FROM t JOIN ladder l ON l.kind = 'event_type' AND POSITION(' ' || l.keyword IN t.w1) > 0
    UNION ALL
    SELECT t.event_type, t.title, l.rung, 2, LENGTH(l.keyword)
    FROM t JOIN ladder l ON l.kind = 'event_type' AND POSITION(' ' || l.keyword IN t.w2) > 0
),
best_rung AS (
    SELECT event_type, title, arg_min(rung, pri * 1000000 - len * 10 - rung) AS rung
    FROM r GROUP BY event_type, title
)
SELECT t.event_type, t.title,
       COALESCE(b.mode, 'mixed') AS mode,
       b.mode IS NOT NULL AS classified,
       COALESCE(br.rung, CASE WHEN b.mode = 'task' THEN 3 ELSE 2 END) AS type_rung
FROM t
LEFT JOIN best_mode b ON b.event_type IS NOT DISTINCT FROM t.event_type AND b.title = t.title
LEFT JOIN best_rung br ON br.event_type IS NOT DISTINCT FROM t.event_type AND br.title = t.title;

UPDATE event SET
    mode = tc.mode,
    classified = tc.classified,
    type_rung = tc.type_rung,
    task_weight = CASE tc.mode WHEN 'task' THEN 1.0 WHEN 'mixed' THEN 0.5 ELSE 0.0 END,
    touch_weight = CASE tc.mode WHEN 'relationship' THEN 1.0 WHEN 'mixed' THEN 0.5 ELSE 0.0 END
FROM type_class tc
WHERE tc.event_type IS NOT DISTINCT FROM event.event_type AND tc.title = event.title
  AND event.event_id IN (SELECT event_id FROM cfg_event);


CREATE OR REPLACE TEMP TABLE role_rung AS
WITH roles AS (SELECT DISTINCT role, ' ' || norm_words(role) || ' ' AS w FROM participation
               WHERE event_id IN (SELECT event_id FROM cfg_event)
                  OR person_id IN (SELECT person_id FROM cfg_person))
SELECT roles.role,
       COALESCE(arg_min(l.rung, -LENGTH(l.keyword) * 10 - l.rung), 2) AS rung
FROM roles LEFT JOIN ladder l ON l.kind = 'role' AND POSITION(' ' || l.keyword IN roles.w) > 0
GROUP BY roles.role;

UPDATE participation SET rung = GREATEST(rr.rung, e.type_rung)
FROM role_rung rr, event e
WHERE rr.role = participation.role AND e.event_id = participation.event_id
  AND (participation.event_id IN (SELECT event_id FROM cfg_event)
       OR participation.person_id IN (SELECT person_id FROM cfg_person));

DROP TABLE type_class;
DROP TABLE role_rung;
