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
SELECT CAST(COUNT(*) FILTER (WHERE best_rung > start_rung) AS DOUBLE)
       / NULLIF(COUNT(*), 0) AS value
FROM window_person   -- window facts; start_rung is NULL for people new in the window
WHERE attended > 0 AND start_rung < 5
