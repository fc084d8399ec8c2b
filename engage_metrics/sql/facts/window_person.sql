-- Window facts, step 2: one row per person with a row in window_program in the window's
-- selected programs (all programs when none is selected), with the person's history
-- from person_fact (all programs: first attendance, the return after it, the first date
-- at each rung, and the rung at the window's start of those who attended before it).
-- Metrics that name `window_person` read it instead of scanning participations. A person
-- with only `recent` attendances (before a window shorter than the lapse threshold) has
-- attended = 0: not active in the window.
WITH selected AS (
    SELECT person_id,
           CAST(SUM(attended) AS BIGINT) AS attended,    -- attended participations
           CAST(SUM(no_show) AS BIGINT) AS no_show,
           SUM(hours) AS hours,                          -- of attended participations
           SUM(task_weight) AS task_weight,              -- of attended participations
           MAX(best_rung) AS best_rung,                  -- highest rung attended
           CAST(SUM(recent) AS BIGINT) AS recent         -- attended, not lapsed by end
    FROM window_program
    WHERE len($programs) = 0 OR list_contains($programs, program)
    GROUP BY person_id
)
SELECT s.*, f.first_attended, f.next_attended, f.reach_2, f.reach_3, f.reach_4, f.reach_5,
       CASE WHEN f.first_attended < CAST($start AS DATE) THEN   -- else NULL
           CASE WHEN f.reach_5 < CAST($start AS DATE) THEN 5     -- highest rung attended
                WHEN f.reach_4 < CAST($start AS DATE) THEN 4     -- before start
                WHEN f.reach_3 < CAST($start AS DATE) THEN 3
                WHEN f.reach_2 < CAST($start AS DATE) THEN 2
                ELSE 1 END
       END AS start_rung
FROM selected s
LEFT JOIN person_fact f ON f.person_id = s.person_id
