-- id: escalated_people
-- label: People who stepped up
-- unit: count
-- room: ladder
-- shape: scalar
-- params: start, end, programs
-- definition: People active in the window (selected programs) who had attended before the
--   window (any program) with a rung below 5 then, and whose highest rung attended in the
--   window (selected programs) is above that rung. New people are never counted: a first
--   attendance is not an escalation.
-- formula: COUNT(person WHERE max rung in window > rung at start), among people with rung at start < 5
WITH stepped AS (  -- active (window facts) and attended before the window (any program)
    SELECT best_rung AS best,  -- highest rung attended in the window (selected programs)
           CASE WHEN reach_5 < CAST($start AS DATE) THEN 5
                WHEN reach_4 < CAST($start AS DATE) THEN 4
                WHEN reach_3 < CAST($start AS DATE) THEN 3
                WHEN reach_2 < CAST($start AS DATE) THEN 2
                ELSE 1 END AS before   -- rung at the window's start (person_fact)
    FROM window_person
    WHERE attended > 0 AND first_attended < CAST($start AS DATE)
)
SELECT COUNT(*) AS value
FROM stepped
WHERE before < 5 AND best > before
