-- Window facts, step 2: one row per person with a participation in the window's
-- selected programs (all programs when none is selected), from window_program.
-- Metrics that name `window_person` read it instead of scanning participations.
SELECT person_id,
       CAST(SUM(attended) AS BIGINT) AS attended,        -- attended participations
       CAST(SUM(no_show) AS BIGINT) AS no_show,
       SUM(hours) AS hours,                              -- of attended participations
       SUM(task_weight) AS task_weight,                  -- of attended participations
       MAX(best_rung) AS best_rung                       -- highest rung attended
FROM window_program
WHERE len($programs) = 0 OR list_contains($programs, program)
GROUP BY person_id
