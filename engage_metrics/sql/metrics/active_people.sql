-- id: active_people
-- label: Active people
-- unit: count
-- room: participation
-- shape: scalar
-- params: start, end, programs
-- definition: Distinct people with at least one attended participation in the window,
--   counting only events of the selected programs (all programs when none is selected).
-- formula: COUNT(DISTINCT person) over attended participations with start <= event date < end
SELECT COUNT(*) AS value
FROM window_person   -- window facts of [start, end), selected programs (sql/facts)
WHERE attended > 0
