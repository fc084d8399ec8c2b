-- Everyone who attended in the year before $asof ([$asof − 365, $asof)), once per ask rung 2–5
-- (or only $rung): the rows of ask_target the ask model scores, as of $asof.
WITH active AS (
    SELECT DISTINCT p.person_id
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
    WHERE p.status = 'attended' AND e.event_date < CAST($asof AS DATE)
      AND e.event_date >= CAST($asof AS DATE) - INTERVAL 365 DAY
),
rungs (ask_rung) AS (VALUES (2), (3), (4), (5))
SELECT ROW_NUMBER() OVER (ORDER BY a.person_id, r.ask_rung) AS row_id, a.person_id,
       CAST($asof AS DATE) AS d, r.ask_rung
FROM active a
CROSS JOIN rungs r
WHERE $rung IS NULL OR r.ask_rung = $rung
ORDER BY a.person_id, r.ask_rung
