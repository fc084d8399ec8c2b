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
SELECT SUM(e.task_weight) / NULLIF(COUNT(*), 0) AS value
FROM participation p
JOIN event e ON e.event_id = p.event_id
WHERE p.status = 'attended'
  AND e.event_date >= CAST($start AS DATE) AND e.event_date < CAST($end AS DATE)
  AND (len($programs) = 0 OR list_contains($programs, e.program))
