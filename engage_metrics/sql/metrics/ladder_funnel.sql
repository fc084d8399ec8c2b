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
WITH population AS (   -- everyone with a participation in the selected programs before end
    SELECT first_date, reach_2, reach_3, reach_4, reach_5       -- (1 = never attended)
    FROM person_fact                                            -- all programs
    WHERE len($programs) = 0 AND first_date < CAST($end AS DATE)
    UNION ALL
    SELECT person_first_date, reach_2, reach_3, reach_4, reach_5  -- one program: its rows
    FROM person_program_fact                        -- carry the person's all-program history
    WHERE len($programs) = 1 AND list_contains($programs, program)
      AND first_date < CAST($end AS DATE)
    UNION ALL
    SELECT first_date, reach_2, reach_3, reach_4, reach_5       -- several programs
    FROM person_fact
    WHERE len($programs) > 1
      AND person_id IN (SELECT person_id
                        FROM person_program_fact
                        WHERE list_contains($programs, program)
                          AND first_date < CAST($end AS DATE))
),
reached AS (         -- rung r is reached by end when the first attendance at r or higher is
    SELECT COUNT(*) AS n_1,                                    -- before end
           COUNT(*) FILTER (WHERE reach_2 < CAST($end AS DATE)) AS n_2,
           COUNT(*) FILTER (WHERE reach_3 < CAST($end AS DATE)) AS n_3,
           COUNT(*) FILTER (WHERE reach_4 < CAST($end AS DATE)) AS n_4,
           COUNT(*) FILTER (WHERE reach_5 < CAST($end AS DATE)) AS n_5,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY date_diff('day', first_date, reach_2))
               FILTER (WHERE reach_2 < CAST($end AS DATE)) AS days_2,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY date_diff('day', first_date, reach_3))
               FILTER (WHERE reach_3 < CAST($end AS DATE)) AS days_3,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY date_diff('day', first_date, reach_4))
               FILTER (WHERE reach_4 < CAST($end AS DATE)) AS days_4,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY date_diff('day', first_date, reach_5))
               FILTER (WHERE reach_5 < CAST($end AS DATE)) AS days_5
    FROM population
),
steps (rung, name, reached, median_days) AS (
    SELECT 1, 'Following', n_1, CASE WHEN n_1 > 0 THEN 0.0 END FROM reached
    UNION ALL SELECT 2, 'Endorsing', n_2, days_2 FROM reached
    UNION ALL SELECT 3, 'Contributing', n_3, days_3 FROM reached
    UNION ALL SELECT 4, 'Owning', n_4, days_4 FROM reached
    UNION ALL SELECT 5, 'Leading', n_5, days_5 FROM reached
)
SELECT rung, name, reached,
       CAST(LEAD(reached) OVER (ORDER BY rung) AS DOUBLE) / NULLIF(reached, 0) AS conversion,
       median_days
FROM steps
ORDER BY rung
