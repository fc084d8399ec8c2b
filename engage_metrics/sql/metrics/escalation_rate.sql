-- id: escalation_rate
-- label: Escalation rate
-- unit: ratio
-- room: ladder
-- shape: scalar
-- params: start, end, programs
-- definition: Of the people active in the window (selected programs) who had attended before
--   the window (any program) with a rung below 5 then, the share whose highest rung attended in
--   the window (selected programs) is above that rung. New people are not in it: a first
--   attendance is not an escalation. Empty when nobody qualifies.
-- formula: COUNT(max rung in window > rung at start) / COUNT(active with attended before start and rung at start < 5)
WITH in_window AS (     -- highest rung attended in the window (window facts)
    SELECT person_id, best_rung AS best
    FROM window_person
    WHERE attended > 0
),
before AS (         -- rung at the window's start, all programs (person_fact reach dates)
    SELECT person_id,
           CASE WHEN reach_5 < CAST($start AS DATE) THEN 5
                WHEN reach_4 < CAST($start AS DATE) THEN 4
                WHEN reach_3 < CAST($start AS DATE) THEN 3
                WHEN reach_2 < CAST($start AS DATE) THEN 2
                ELSE 1 END AS rung
    FROM person_fact
    WHERE first_attended < CAST($start AS DATE)
)
SELECT CAST(COUNT(*) FILTER (WHERE w.best > b.rung) AS DOUBLE) / NULLIF(COUNT(*), 0) AS value
FROM in_window w
JOIN before b ON b.person_id = w.person_id
WHERE b.rung < 5
