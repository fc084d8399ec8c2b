-- id: new_people
-- label: New people
-- unit: count
-- room: participation
-- shape: scalar
-- params: start, end, programs
-- definition: Active people (attended in the window, in the selected programs) whose first
--   attended participation ever, in any program, is in the window.
-- formula: COUNT(active person WHERE first attended date (all programs) >= start)
WITH active AS (        -- people who attended in the window (window facts)
    SELECT person_id
    FROM window_person
    WHERE attended > 0
)
SELECT COUNT(*) AS value
FROM active a
JOIN person_fact f ON f.person_id = a.person_id   -- first attendance in all programs
WHERE f.first_attended >= CAST($start AS DATE)
