-- Rebuild the canonical tables from the journal once identities are labelled
-- (temp tables rec, rec_key, rec_label; rec's email and phone are NULL where the row's
-- value is a placeholder or shared, so a person is never shown with one). Later imports win over earlier ones for
-- the same person x occurrence; within one import the most informative row wins
-- (attended > no_show > cancelled > registered, then more hours), so row order
-- and duplicated rows never change the result.
UPDATE identifier SET person_id = kl.label
FROM key_label kl WHERE kl.key = identifier.key;

DELETE FROM ask;
DELETE FROM participation;
DELETE FROM event;
DELETE FROM person;

INSERT INTO person (person_id, full_name, first_name, last_name, email, phone, first_seen,
                    recruited_by, weak_identity)
WITH pr AS (
    SELECT rl.label AS person_id, r.*
    FROM rec r JOIN rec_label rl ON rl.rec = r.rec
),
keys AS (
    SELECT person_id, BOOL_AND(kind = 'name') AS weak
    FROM identifier GROUP BY person_id
),
firsts AS (
    SELECT rl.label AS person_id, MIN(CAST(p.starts_at AS DATE)) AS first_seen
    FROM raw_participation p
    JOIN rec_label rl ON rl.rec = (CAST(p.import_id AS BIGINT) * 4) * 4294967296 + p.line_no
    GROUP BY rl.label
),
first_asks AS (
    SELECT rl.label AS person_id, MIN(CAST(a.asked_at AS DATE)) AS first_asked
    FROM raw_ask a
    JOIN rec_label rl ON rl.rec = (CAST(a.import_id AS BIGINT) * 4 + 2) * 4294967296 + a.line_no
    GROUP BY rl.label
),
agg AS (
    SELECT person_id,
           -- a real name wins over a placeholder ("Guest") or an id in a name column
           COALESCE(arg_max(full_name, rec) FILTER (WHERE full_name IS NOT NULL AND real_name),
                    arg_max(full_name, rec) FILTER (WHERE full_name IS NOT NULL)) AS full_name,
           COALESCE(arg_max(first_name, rec) FILTER (WHERE first_name IS NOT NULL AND real_name),
                    arg_max(first_name, rec) FILTER (WHERE first_name IS NOT NULL)) AS first_name,
           COALESCE(arg_max(last_name, rec) FILTER (WHERE last_name IS NOT NULL AND real_name),
                    arg_max(last_name, rec) FILTER (WHERE last_name IS NOT NULL)) AS last_name,
           arg_max(email, rec) FILTER (WHERE email IS NOT NULL) AS email,
           arg_max(phone, rec) FILTER (WHERE phone IS NOT NULL) AS phone,
           arg_max(recruited_by_email, rec) FILTER (WHERE recruited_by_email IS NOT NULL) AS recruiter_email
    FROM pr GROUP BY person_id
)
SELECT a.person_id, a.full_name, a.first_name, a.last_name, a.email, a.phone,
       COALESCE(f.first_seen, fa.first_asked),
       CASE WHEN i.person_id <> a.person_id THEN i.person_id END,
       COALESCE(k.weak, FALSE)
FROM agg a
LEFT JOIN keys k ON k.person_id = a.person_id
LEFT JOIN firsts f ON f.person_id = a.person_id
LEFT JOIN first_asks fa ON fa.person_id = a.person_id
LEFT JOIN identifier i ON i.key = 'email:' || a.recruiter_email;

INSERT INTO event (event_id, source, event_key, title, event_type, program, starts_at, ends_at,
                   event_date, mode, task_weight, touch_weight, type_rung, classified)
SELECT ROW_NUMBER() OVER (ORDER BY starts_at, source, event_key),
       source, event_key, title, event_type, program, starts_at, ends_at,
       CAST(starts_at AS DATE), 'mixed', 0.5, 0.5, 2, FALSE
FROM (
    SELECT source, event_key,
           arg_max(title, ord) AS title,
           arg_max(event_type, ord) AS event_type,
           arg_max(program, ord) AS program,
           arg_max(starts_at, ord) AS starts_at,
           arg_max(ends_at, ord) AS ends_at
    FROM (SELECT *, CAST(import_id AS BIGINT) * 4294967296 + line_no AS ord FROM raw_participation)
    GROUP BY source, event_key
);

INSERT INTO participation (person_id, event_id, status, role, hours, rung, import_id)
SELECT person_id, event_id, status, role, hours, 2, import_id
FROM (
    -- the row that wins for its person x occurrence: the latest import, then the most
    -- informative status, more hours, the role, the last line ((import, line) is unique)
    SELECT rl.label AS person_id, e.event_id, p.status, p.role, p.hours, p.import_id,
           ROW_NUMBER() OVER (
               PARTITION BY rl.label, e.event_id
               ORDER BY p.import_id DESC,
                        CASE p.status WHEN 'attended' THEN 3 WHEN 'no_show' THEN 2
                                      WHEN 'cancelled' THEN 1 ELSE 0 END DESC,
                        COALESCE(p.hours, -1) DESC, p.role DESC, p.line_no DESC) AS pick
    FROM raw_participation p
    JOIN rec_label rl ON rl.rec = (CAST(p.import_id AS BIGINT) * 4) * 4294967296 + p.line_no
    JOIN event e ON e.source = p.source AND e.event_key = p.event_key
)
WHERE pick = 1;

INSERT INTO ask (ask_id, person_id, asked_at, ask_date, ask, rung, outcome, asked_by, import_id)
SELECT ROW_NUMBER() OVER (ORDER BY asked_at, person_id, import_id, line_no),
       person_id, asked_at, CAST(asked_at AS DATE), ask, rung, outcome, asked_by, import_id
FROM (
    SELECT rl.label AS person_id, a.*,
           ROW_NUMBER() OVER (
               PARTITION BY rl.label, a.asked_at, COALESCE(a.ask, ''), a.rung
               ORDER BY a.import_id DESC, a.line_no DESC) AS pick
    FROM raw_ask a
    JOIN rec_label rl ON rl.rec = (CAST(a.import_id AS BIGINT) * 4 + 2) * 4294967296 + a.line_no
)
WHERE pick = 1;
