-- id: dist_touches
-- label: Relational touches by program
-- unit: table
-- room: depth
-- shape: table
-- params: start, end, programs
-- definition: For each program (the selected ones, all when none): relational touches in the
--   window (attended participations weighted relationship 1, mixed 0.5, task 0), attended
--   participations, active people and touches per active person — where the battery is charged.
-- formula: touches = SUM(touch_weight); per person = touches / COUNT(DISTINCT person) per program
SELECT e.program,
       CAST(SUM(e.touch_weight) AS DOUBLE) AS touches,
       COUNT(*) AS attended,
       COUNT(DISTINCT p.person_id) AS people,
       CAST(SUM(e.touch_weight) AS DOUBLE) / COUNT(DISTINCT p.person_id) AS touches_per_person
FROM participation p
JOIN event e ON e.event_id = p.event_id
WHERE {{ attended_in_window }}
GROUP BY e.program
ORDER BY touches DESC, e.program
