-- id: hours_volunteers
-- label: People with hours
-- unit: count
-- room: participation
-- shape: scalar
-- params: start, end, programs
-- definition: The number of distinct people whose attended participations in the window, in
--   events of the selected programs, carry some hours (more than 0): the people behind
--   Volunteer hours. The board pack hides an hours figure (a target's value or pace) taken
--   over fewer than 5 of them.
-- formula: COUNT(DISTINCT person) over attended participations with start <= event date < end and hours > 0
SELECT COUNT(*) AS value
FROM window_person   -- window facts of [start, end), selected programs (sql/facts)
WHERE hours > 0
