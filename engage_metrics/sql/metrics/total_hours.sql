-- id: total_hours
-- label: Volunteer hours
-- unit: hours
-- room: participation
-- shape: scalar
-- params: start, end, programs
-- definition: Sum of the hours of attended participations in the window, in events of the
--   selected programs; participations without hours count as 0. A participation's hours are
--   the file's hours (2.5, 2.5 hrs, 2:30, 2h30, 90 min, 1,5 where the column writes decimal
--   commas; a bare number in the unit its header states, so 90 under "Duration (minutes)" is
--   1.5), or, when the file has no hours column, the person's own time in to time out (a
--   sign-in sheet, a meeting's join and leave times); never the length of the event's
--   scheduled shift.
-- formula: SUM(COALESCE(hours, 0)) over attended participations with start <= event date < end
SELECT CAST(COALESCE(SUM(hours), 0) AS DOUBLE) AS value
FROM window_person   -- window facts of [start, end), selected programs (sql/facts)
