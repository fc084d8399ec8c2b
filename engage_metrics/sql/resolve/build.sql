-- Rebuild the canonical rows of the graph's people and of the events in temp table
-- scope_event, once identities are labelled (temp tables graph_key, rec_label, key_label,
-- old_person; record_key holds every record's keys, and own marks a record's own email or
-- phone — neither a placeholder nor shared — so a person is never shown with another one).
-- A full rebuild is the same with every person and event in scope. Later imports win over
-- earlier ones for the same person x occurrence; within one import the most informative
-- row wins (attended > no_show > cancelled > registered, then more hours), so row order
-- and duplicated rows never change the result. Event ids are kept while an event has rows;
-- a new event takes the next id (in date order among the new ones).
UPDATE identifier SET person_id = kl.label
FROM key_label kl WHERE kl.key = identifier.key;

-- the people rebuilt: the graph's people before and after
CREATE OR REPLACE TEMP TABLE scope_person AS
SELECT person_id FROM old_person
UNION SELECT DISTINCT label FROM rec_label WHERE rec >= 0;

-- the person of every record the rebuild reads: the graph's records by their label, the
-- other rows of the events in scope by their keys (all keys of a record are one person's)
CREATE OR REPLACE TEMP TABLE rec_person AS
SELECT rec, label AS person_id FROM rec_label WHERE rec >= 0
UNION
SELECT k.rec, i.person_id
FROM raw_participation p
JOIN scope_event s ON s.source = p.source AND s.event_key = p.event_key
JOIN record_key k ON k.rec = (CAST(p.import_id AS BIGINT) * 4) * 4294967296 + p.line_no
JOIN identifier i ON i.key = k.key
WHERE k.rec NOT IN (SELECT rec FROM rec_label);

-- the people whose facts change: the graph's, and everyone with a participation in an
-- event in scope (before the change; after it they are among rec_person's)
CREATE OR REPLACE TEMP TABLE fact_person AS
SELECT person_id FROM scope_person
UNION SELECT DISTINCT pa.person_id FROM participation pa
      JOIN event e ON e.event_id = pa.event_id
      JOIN scope_event s ON s.source = e.source AND s.event_key = e.event_key
UNION SELECT DISTINCT person_id FROM rec_person;

DELETE FROM person WHERE person_id IN (SELECT person_id FROM scope_person);

INSERT INTO person (person_id, full_name, first_name, last_name, email, phone, first_seen,
                    recruited_by, weak_identity)
WITH gr AS (
    SELECT rec, label AS person_id, rec >> 34 AS import_id, (rec >> 32) & 3 AS t,
           rec & 4294967295 AS line_no
    FROM rec_label WHERE rec >= 0
),
pr AS (
    SELECT gr.rec, gr.person_id, p.full_name, p.first_name, p.last_name,
           NULL::VARCHAR AS recruited_by_email, CAST(p.starts_at AS DATE) AS seen, NULL::DATE AS asked
    FROM gr JOIN raw_participation p ON gr.t = 0 AND p.import_id = gr.import_id AND p.line_no = gr.line_no
    UNION ALL
    SELECT gr.rec, gr.person_id, p.full_name, p.first_name, p.last_name,
           p.recruited_by_email, NULL, NULL
    FROM gr JOIN raw_person p ON gr.t = 1 AND p.import_id = gr.import_id AND p.line_no = gr.line_no
    UNION ALL
    SELECT gr.rec, gr.person_id, a.full_name, a.first_name, a.last_name,
           NULL, NULL, CAST(a.asked_at AS DATE)
    FROM gr JOIN raw_ask a ON gr.t = 2 AND a.import_id = gr.import_id AND a.line_no = gr.line_no
),
names AS (
    SELECT full_name, NOT placeholder_name(full_name) AND NOT id_like_name(full_name) AS real_name
    FROM (SELECT DISTINCT full_name FROM pr WHERE full_name IS NOT NULL)
),
own AS (
    SELECT gr.person_id,
           arg_max(SUBSTRING(k.key, 7), k.rec) FILTER (WHERE k.kind = 'email') AS email,
           arg_max(SUBSTRING(k.key, 7), k.rec) FILTER (WHERE k.kind = 'phone') AS phone
    FROM gr JOIN record_key k ON k.rec = gr.rec AND k.own
    GROUP BY gr.person_id
),
keys AS (
    SELECT person_id, BOOL_AND(kind = 'name') AS weak
    FROM identifier WHERE person_id IN (SELECT person_id FROM gr)
    GROUP BY person_id
),
agg AS (
    SELECT pr.person_id,
           -- a real name wins over a placeholder ("Guest") or an id in a name column
           COALESCE(arg_max(pr.full_name, rec) FILTER (WHERE pr.full_name IS NOT NULL AND n.real_name),
                    arg_max(pr.full_name, rec) FILTER (WHERE pr.full_name IS NOT NULL)) AS full_name,
           COALESCE(arg_max(first_name, rec) FILTER (WHERE first_name IS NOT NULL AND n.real_name),
                    arg_max(first_name, rec) FILTER (WHERE first_name IS NOT NULL)) AS first_name,
           COALESCE(arg_max(last_name, rec) FILTER (WHERE last_name IS NOT NULL AND n.real_name),
                    arg_max(last_name, rec) FILTER (WHERE last_name IS NOT NULL)) AS last_name,
           COALESCE(MIN(seen), MIN(asked)) AS first_seen
    FROM pr LEFT JOIN names n ON n.full_name = pr.full_name
    GROUP BY pr.person_id
)
SELECT a.person_id, a.full_name, a.first_name, a.last_name, o.email, o.phone, a.first_seen,
       NULL, COALESCE(k.weak, FALSE)
FROM agg a
LEFT JOIN own o ON o.person_id = a.person_id
LEFT JOIN keys k ON k.person_id = a.person_id;

-- who recruited whom: for the people rebuilt, and for those recruited by someone whose
-- person the change touched
UPDATE person SET recruited_by = r.recruited_by
FROM (
    WITH recruited AS (
        SELECT DISTINCT i.person_id, k.rec, p.recruited_by_email
        FROM raw_person p
        JOIN record_key k ON k.rec = (CAST(p.import_id AS BIGINT) * 4 + 1) * 4294967296 + p.line_no
        JOIN identifier i ON i.key = k.key
        WHERE p.recruited_by_email IS NOT NULL
    ),
    scope AS (
        SELECT person_id FROM scope_person
        UNION SELECT person_id FROM recruited
              -- the recruiter's key was relabelled, or is gone (an undo took its last row)
              WHERE 'email:' || recruited_by_email IN (SELECT key FROM graph_key
                                                       UNION SELECT key FROM touched_key)
    )
    SELECT s.person_id,
           CASE WHEN i.person_id <> s.person_id THEN i.person_id END AS recruited_by
    FROM scope s
    LEFT JOIN (SELECT person_id, arg_max(recruited_by_email, rec) AS email
               FROM recruited GROUP BY person_id) x ON x.person_id = s.person_id
    LEFT JOIN identifier i ON i.key = 'email:' || x.email
) r
WHERE r.person_id = person.person_id;

-- the events in scope, from every row of theirs (the latest import's values win)
CREATE OR REPLACE TEMP TABLE event_now AS
SELECT p.source, p.event_key,
       arg_max(title, ord) AS title,
       arg_max(event_type, ord) AS event_type,
       arg_max(program, ord) AS program,
       arg_max(starts_at, ord) AS starts_at,
       arg_max(ends_at, ord) AS ends_at
FROM (SELECT *, CAST(import_id AS BIGINT) * 4294967296 + line_no AS ord FROM raw_participation) p
JOIN scope_event s ON s.source = p.source AND s.event_key = p.event_key
GROUP BY p.source, p.event_key;

CREATE OR REPLACE TEMP TABLE event_was AS
SELECT e.event_id, e.source, e.event_key
FROM event e JOIN scope_event s ON s.source = e.source AND s.event_key = e.event_key;

DELETE FROM participation
WHERE person_id IN (SELECT person_id FROM scope_person)
   OR event_id IN (SELECT event_id FROM event_was);
DELETE FROM event WHERE event_id IN (SELECT event_id FROM event_was);

INSERT INTO event (event_id, source, event_key, title, event_type, program, starts_at, ends_at,
                   event_date, mode, task_weight, touch_weight, type_rung, classified)
SELECT COALESCE(w.event_id,
                -- after the highest id kept: the other events', and those in scope still here
                GREATEST((SELECT COALESCE(MAX(event_id), 0) FROM event),
                         (SELECT COALESCE(MAX(w2.event_id), 0) FROM event_was w2
                          JOIN event_now n2 ON n2.source = w2.source AND n2.event_key = w2.event_key))
                + ROW_NUMBER() OVER (
                    ORDER BY w.event_id IS NOT NULL, n.starts_at, n.source, n.event_key)),
       n.source, n.event_key, n.title, n.event_type, n.program, n.starts_at, n.ends_at,
       CAST(n.starts_at AS DATE), 'mixed', 0.5, 0.5, 2, FALSE
FROM event_now n
LEFT JOIN event_was w ON w.source = n.source AND w.event_key = n.event_key;

-- the events configure.sql classifies: those just written
CREATE OR REPLACE TEMP TABLE cfg_event AS
SELECT e.event_id FROM event e JOIN scope_event s ON s.source = e.source AND s.event_key = e.event_key;

INSERT INTO participation (person_id, event_id, status, role, hours, rung, import_id)
SELECT person_id, event_id, status, role, hours, 2, import_id
FROM (
    -- the row that wins for its person x occurrence: the latest import, then the most
    -- informative status, more hours, the role, the last line ((import, line) is unique)
    SELECT rp.person_id, e.event_id, p.status, p.role, p.hours, p.import_id,
           ROW_NUMBER() OVER (
               PARTITION BY rp.person_id, e.event_id
               ORDER BY p.import_id DESC,
                        CASE p.status WHEN 'attended' THEN 3 WHEN 'no_show' THEN 2
                                      WHEN 'cancelled' THEN 1 ELSE 0 END DESC,
                        COALESCE(p.hours, -1) DESC, p.role DESC, p.line_no DESC) AS pick
    FROM raw_participation p
    JOIN rec_person rp ON rp.rec = (CAST(p.import_id AS BIGINT) * 4) * 4294967296 + p.line_no
    JOIN event e ON e.source = p.source AND e.event_key = p.event_key
)
WHERE pick = 1;

-- the participations configure.sql gives a rung: those just written
CREATE OR REPLACE TEMP TABLE cfg_person AS SELECT person_id FROM scope_person;

-- asks: every ask again (a few per person; their ids are their order)
DELETE FROM ask;
INSERT INTO ask (ask_id, person_id, asked_at, ask_date, ask, rung, outcome, asked_by, import_id)
SELECT ROW_NUMBER() OVER (ORDER BY asked_at, person_id, import_id, line_no),
       person_id, asked_at, CAST(asked_at AS DATE), ask, rung, outcome, asked_by, import_id
FROM (
    SELECT ap.person_id, a.*,
           ROW_NUMBER() OVER (
               PARTITION BY ap.person_id, a.asked_at, COALESCE(a.ask, ''), a.rung
               ORDER BY a.import_id DESC, a.line_no DESC) AS pick
    FROM raw_ask a
    JOIN (SELECT DISTINCT k.rec, i.person_id
          FROM record_key k JOIN identifier i ON i.key = k.key
          WHERE (k.rec >> 32) & 3 = 2) ap
      ON ap.rec = (CAST(a.import_id AS BIGINT) * 4 + 2) * 4294967296 + a.line_no
)
WHERE pick = 1;
