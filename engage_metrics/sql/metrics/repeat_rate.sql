-- id: repeat_rate
-- label: Repeat rate
-- unit: ratio
-- room: participation
-- shape: scalar
-- params: start, end, programs
-- definition: Share of the window's active people (selected programs) who attended at least
--   two distinct event occurrences of the selected programs in the window. Empty when nobody
--   was active.
-- formula: COUNT(active people with >= 2 attended occurrences) / COUNT(active people)
SELECT CAST(COUNT(*) FILTER (WHERE attended >= 2) AS DOUBLE)
       / NULLIF(COUNT(*) FILTER (WHERE attended > 0), 0) AS value
FROM window_person   -- window facts of [start, end), selected programs (sql/facts)
