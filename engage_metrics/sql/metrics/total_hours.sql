-- id: total_hours
-- label: Volunteer hours
-- unit: hours
-- room: participation
-- shape: scalar
-- params: start, end, programs
-- definition: Sum of the hours of attended participations in the window, in events of the
--   selected programs; participations without hours count as 0.
-- formula: SUM(COALESCE(hours, 0)) over attended participations with start <= event date < end
SELECT CAST(COALESCE(SUM(hours), 0) AS DOUBLE) AS value
FROM window_person   -- window facts of [start, end), selected programs (sql/facts)
