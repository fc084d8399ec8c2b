-- Per-person facts (schema: person_fact), recomputed from the canonical tables after
-- every rebuild and every ladder change (rungs feed reach_2 … reach_5). All programs:
-- a person's history (first attendance, rung, return) never depends on a program filter.
-- A person's rung at date D = 5 if reach_5 < D, … 2 if reach_2 < D, 1 if they have any
-- participation before D (docs/metrics.md: registered but never attended is rung 1, and so is
-- an attended participation whose rung the ladder sets to 1). For the people of temp table
-- fact_person (every one after a settings change or a full rebuild).
DELETE FROM person_fact WHERE person_id IN (SELECT person_id FROM fact_person);

INSERT INTO person_fact (person_id, first_date, first_attended, next_attended, third_attended,
                         reach_2, reach_3, reach_4, reach_5)
WITH h AS (
    SELECT p.person_id, p.status, p.rung, e.event_date
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
    WHERE p.person_id IN (SELECT person_id FROM fact_person)
),
firsts AS (
    SELECT person_id,
           MIN(event_date) AS first_date,
           MIN(event_date) FILTER (WHERE status = 'attended') AS first_attended,
           -- the three earliest attended dates (DuckDB's top-n MIN; engine-internal SQL)
           MIN(event_date, 3) FILTER (WHERE status = 'attended') AS first_three,
           MIN(event_date) FILTER (WHERE status = 'attended' AND rung >= 2) AS reach_2,
           MIN(event_date) FILTER (WHERE status = 'attended' AND rung >= 3) AS reach_3,
           MIN(event_date) FILTER (WHERE status = 'attended' AND rung >= 4) AS reach_4,
           MIN(event_date) FILTER (WHERE status = 'attended' AND rung >= 5) AS reach_5
    FROM h
    GROUP BY person_id
),
nexts AS (
    SELECT h.person_id, MIN(h.event_date) AS next_attended
    FROM h
    JOIN firsts f ON f.person_id = h.person_id
    WHERE h.status = 'attended' AND h.event_date > f.first_attended
    GROUP BY h.person_id
)
SELECT f.person_id, f.first_date, f.first_attended, n.next_attended, f.first_three[3],
       f.reach_2, f.reach_3, f.reach_4, f.reach_5
FROM firsts f
LEFT JOIN nexts n ON n.person_id = f.person_id;

DELETE FROM person_program_fact WHERE person_id IN (SELECT person_id FROM fact_person);

INSERT INTO person_program_fact (person_id, program, first_date, attended_1, attended_2, attended_3,
                                 person_first_date, reach_2, reach_3, reach_4, reach_5)
SELECT g.person_id, g.program, g.first_date, g.attended[1], g.attended[2], g.attended[3],
       f.first_date, f.reach_2, f.reach_3, f.reach_4, f.reach_5
FROM (
    SELECT p.person_id, e.program, MIN(e.event_date) AS first_date,
           -- the three earliest attended dates (DuckDB's top-n MIN; engine-internal SQL)
           MIN(e.event_date, 3) FILTER (WHERE p.status = 'attended') AS attended
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
    WHERE p.person_id IN (SELECT person_id FROM fact_person)
    GROUP BY p.person_id, e.program
) g
JOIN person_fact f ON f.person_id = g.person_id
ORDER BY g.program;   -- one program's rows together: a filter on it skips the others
