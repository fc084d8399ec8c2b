-- id: attended_participations
-- label: Attended participations
-- unit: count
-- room: participation
-- shape: scalar
-- params: start, end, programs
-- definition: Number of attended participations (person × event occurrence) in the window,
--   in events of the selected programs.
-- formula: COUNT(*) over attended participations with start <= event date < end
SELECT CAST(COALESCE(SUM(attended), 0) AS BIGINT) AS value
FROM window_person   -- window facts of [start, end), selected programs (sql/facts)
