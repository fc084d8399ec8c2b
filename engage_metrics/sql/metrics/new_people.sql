-- id: new_people
-- label: New people
-- unit: count
-- room: participation
-- shape: scalar
-- params: start, end, programs
-- definition: Active people (attended in the window, in the selected programs) whose first
--   attended participation ever, in any program, is in the window.
-- formula: COUNT(active person WHERE first attended date (all programs) >= start)
SELECT COUNT(*) AS value
FROM window_person      -- window facts: active in the selected programs, with person_fact
WHERE attended > 0
  AND first_attended >= CAST($start AS DATE)   -- first attendance in all programs
