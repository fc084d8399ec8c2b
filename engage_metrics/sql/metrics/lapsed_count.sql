-- id: lapsed_count
-- label: Lapsed people
-- unit: count
-- room: participation
-- shape: scalar
-- params: start, end, programs, lapse_days
-- definition: People with at least 3 attended participations (selected programs) before the
--   window's end whose latest one is the lapse threshold (a setting, 180 days by default) or more
--   before the end.
-- formula: COUNT(person WHERE attended before end >= 3 AND last attended date <= end - lapse_days)
WITH counted AS (      -- >= 3 attended participations before end in the selected programs:
    SELECT person_id    -- all programs: the third attended date (person_fact)
    FROM person_fact
    WHERE len($programs) = 0 AND third_attended < CAST($end AS DATE)
    UNION ALL
    SELECT person_id    -- one program: its third attended date
    FROM person_program_fact
    WHERE len($programs) = 1 AND list_contains($programs, program)
      AND attended_3 < CAST($end AS DATE)
    UNION ALL
    SELECT person_id    -- several programs: each one's first three attended dates, summed
    FROM person_program_fact
    WHERE len($programs) > 1 AND list_contains($programs, program)
    GROUP BY person_id
    HAVING SUM(CASE WHEN attended_1 < CAST($end AS DATE) THEN 1 ELSE 0 END
               + CASE WHEN attended_2 < CAST($end AS DATE) THEN 1 ELSE 0 END
               + CASE WHEN attended_3 < CAST($end AS DATE) THEN 1 ELSE 0 END) >= 3
),
recent AS (            -- attended, not lapsed by end (selected programs)
    SELECT person_id
    FROM window_person  -- window facts
    WHERE recent > 0
)
SELECT COUNT(*) AS value
FROM counted c
WHERE c.person_id NOT IN (SELECT person_id FROM recent)
