-- id: series_escalation
-- label: Escalation rate by quarter
-- unit: table
-- room: ladder
-- shape: table
-- params: start, end, programs
-- definition: The escalation rate of each calendar quarter of the window, cut to the window:
--   of the people active in the quarter (selected programs) who had attended before it (any
--   program) with a rung below 5 then, the share whose highest rung attended in the quarter is
--   above that rung. Same definition as Escalation rate, one quarter at a time.
-- formula: per quarter: COUNT(max rung in quarter > rung before it) / COUNT(active with rung before < 5)
WITH RECURSIVE {{ calendar(quarters, q, quarter, 3) }},
periods AS (
    SELECT q AS quarter,
           GREATEST(q, CAST($start AS DATE)) AS p_start,
           LEAST(CAST(q + INTERVAL 3 MONTH AS DATE), CAST($end AS DATE)) AS p_end
    FROM quarters
),
attended AS (
    SELECT p.person_id, p.rung, e.event_date, e.program
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
    WHERE p.status = 'attended'
),
in_period AS (
    SELECT q.quarter, q.p_start, a.person_id, MAX(a.rung) AS best
    FROM periods q
    JOIN attended a ON a.event_date >= q.p_start AND a.event_date < q.p_end
    WHERE len($programs) = 0 OR list_contains($programs, a.program)
    GROUP BY q.quarter, q.p_start, a.person_id
),
judged AS (
    SELECT i.quarter, i.person_id, i.best, MAX(a.rung) AS before_rung
    FROM in_period i
    JOIN attended a ON a.person_id = i.person_id AND a.event_date < i.p_start
    GROUP BY i.quarter, i.person_id, i.best
)
SELECT q.quarter,
       COUNT(j.person_id) FILTER (WHERE j.before_rung < 5) AS eligible,
       COUNT(j.person_id) FILTER (WHERE j.before_rung < 5 AND j.best > j.before_rung) AS escalated,
       CAST(COUNT(j.person_id) FILTER (WHERE j.before_rung < 5 AND j.best > j.before_rung) AS DOUBLE)
           / NULLIF(COUNT(j.person_id) FILTER (WHERE j.before_rung < 5), 0) AS rate
FROM periods q
LEFT JOIN judged j ON j.quarter = q.quarter
GROUP BY q.quarter
ORDER BY q.quarter
