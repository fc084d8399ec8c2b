-- The asks made before $asof, as rows of ask_target with their outcome (yes = 1): what the ask
-- model learns from, each to be described as of its own day.
SELECT ask_id AS row_id, person_id, ask_date AS d, rung AS ask_rung,
       CASE WHEN outcome = 'yes' THEN 1 ELSE 0 END AS yes
FROM ask
WHERE ask_date < CAST($asof AS DATE)
ORDER BY ask_date, ask_id
