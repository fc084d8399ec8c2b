-- id: ladder_funnel
-- label: Ladder funnel
-- unit: table
-- room: ladder
-- shape: table
-- params: end, programs
-- definition: Among people with any participation in the selected programs before the window's
--   end, how many had reached each rung by then (rung = highest rung attended in any program; 1
--   when registered but never attended). Conversion r→r+1 = reached r+1 ÷ reached r. Median days
--   = median, over people who reached the rung, of the days from their first participation of any
--   kind to their first attended participation at that rung or higher (0 for rung 1).
-- formula: reached(r) = COUNT(rung at end >= r); conversion(r) = reached(r+1) / reached(r)
WITH in_programs AS ( -- with a program filter: people with a participation in those programs
    SELECT DISTINCT person_id
    FROM person_program_fact
    WHERE first_date < CAST($end AS DATE) AND list_contains($programs, program)
),
population AS (      -- everyone with a participation before end: rung then (1 = never attended)
    SELECT f.person_id, f.first_date, f.reach_2, f.reach_3, f.reach_4, f.reach_5,
           CASE WHEN f.reach_5 < CAST($end AS DATE) THEN 5
                WHEN f.reach_4 < CAST($end AS DATE) THEN 4
                WHEN f.reach_3 < CAST($end AS DATE) THEN 3
                WHEN f.reach_2 < CAST($end AS DATE) THEN 2
                ELSE 1 END AS rung
    FROM person_fact f
    WHERE f.first_date < CAST($end AS DATE)
      AND (len($programs) = 0 OR f.person_id IN (SELECT person_id FROM in_programs))
),
rungs (rung, name) AS (
    VALUES (1, 'Following'), (2, 'Endorsing'), (3, 'Contributing'), (4, 'Owning'), (5, 'Leading')
),
reached_at AS (      -- days from a person's first participation to the first attendance at each rung
    SELECT 1 AS rung, person_id, 0 AS days FROM population
    UNION ALL
    SELECT 2, person_id, date_diff('day', first_date, reach_2) FROM population WHERE rung >= 2
    UNION ALL
    SELECT 3, person_id, date_diff('day', first_date, reach_3) FROM population WHERE rung >= 3
    UNION ALL
    SELECT 4, person_id, date_diff('day', first_date, reach_4) FROM population WHERE rung >= 4
    UNION ALL
    SELECT 5, person_id, date_diff('day', first_date, reach_5) FROM population WHERE rung >= 5
),
steps AS (
    SELECT r.rung, r.name, COUNT(a.person_id) AS reached,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY a.days) AS median_days
    FROM rungs r
    LEFT JOIN reached_at a ON a.rung = r.rung
    GROUP BY r.rung, r.name
)
SELECT rung, name, reached,
       CAST(LEAD(reached) OVER (ORDER BY rung) AS DOUBLE) / NULLIF(reached, 0) AS conversion,
       median_days
FROM steps
ORDER BY rung
