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
SELECT COUNT(*) AS value
FROM window_person   -- window facts; start_rung is NULL for people new in the window
WHERE attended > 0 AND start_rung < 5 AND best_rung > start_rung
