-- id: ask_stretch
-- label: Ask stretch and acceptance
-- unit: table
-- room: ladder
-- shape: table
-- params: start, end
-- definition: Asks made in the window by stretch = rung asked for − the person's rung on the day
--   of the ask (highest rung attended before it, any program; 1 when they had not attended):
--   number of asks, number accepted and the acceptance rate.
-- formula: rate = COUNT(outcome = yes) / COUNT(asks) per (ask rung - rung at ask date)
WITH asks AS (
    SELECT a.ask_id, a.person_id, a.ask_date, a.rung, a.outcome
    FROM ask a
    WHERE a.ask_date >= CAST($start AS DATE) AND a.ask_date < CAST($end AS DATE)
),
stretched AS (
    SELECT a.ask_id, a.outcome,
           a.rung - COALESCE(MAX(p.rung) FILTER (WHERE p.status = 'attended'
                                                 AND e.event_date < a.ask_date), 1) AS stretch
    FROM asks a
    LEFT JOIN participation p ON p.person_id = a.person_id
    LEFT JOIN event e ON e.event_id = p.event_id
    GROUP BY a.ask_id, a.outcome, a.rung
)
SELECT stretch, COUNT(*) AS asks, COUNT(*) FILTER (WHERE outcome = 'yes') AS yes,
       CAST(COUNT(*) FILTER (WHERE outcome = 'yes') AS DOUBLE) / COUNT(*) AS rate
FROM stretched
GROUP BY stretch
ORDER BY stretch
