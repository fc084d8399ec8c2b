-- id: no_show_rate
-- label: No-show rate
-- unit: ratio
-- room: participation
-- shape: scalar
-- params: start, end, programs
-- definition: No-shows divided by (attended + no-shows) among participations of the selected
--   programs in the window. Registered and cancelled participations are not counted. Empty
--   when there are neither.
-- formula: COUNT(no_show) / (COUNT(attended) + COUNT(no_show)), start <= event date < end
SELECT CAST(SUM(no_show) AS DOUBLE) / NULLIF(SUM(attended) + SUM(no_show), 0) AS value
FROM window_person   -- window facts of [start, end), selected programs (sql/facts)
