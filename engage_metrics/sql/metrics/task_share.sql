-- id: task_share
-- label: Task share
-- unit: ratio
-- room: spectrum
-- shape: scalar
-- params: start, end, programs
-- definition: The discharge: task weight per attended participation in the window (selected
--   programs), with task events weighing 1, mixed 0.5 and relationship events 0. Empty when
--   nothing was attended.
-- formula: SUM(task_weight) / COUNT(attended participations), start <= event date < end
SELECT SUM(task_weight) / NULLIF(SUM(attended), 0) AS value
FROM window_person   -- window facts of [start, end), selected programs (sql/facts)
