-- id: series_depth
-- label: Relationship depth by month
-- unit: table
-- room: depth
-- shape: table
-- params: start, end, programs
-- depth_at: months
-- definition: For each calendar month of the window that has active people: the people active
--   that month (selected programs), their mean relationship depth at the month's end (the
--   window's end if earlier) and how many of them are in each depth tier then.
-- formula: mean = AVG(depth at month end) over the month's active people; tier counts likewise
WITH active AS (
    SELECT DISTINCT p.person_id, CAST(date_trunc('month', e.event_date) AS DATE) AS month
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
    WHERE {{ attended_in_window }}
)
SELECT a.month,
       COUNT(*) AS people,
       AVG(d.score) AS mean_depth,
       COUNT(*) FILTER (WHERE d.tier = 'New') AS "New",
       COUNT(*) FILTER (WHERE d.tier = 'Acquainted') AS "Acquainted",
       COUNT(*) FILTER (WHERE d.tier = 'Connected') AS "Connected",
       COUNT(*) FILTER (WHERE d.tier = 'Committed') AS "Committed",
       COUNT(*) FILTER (WHERE d.tier = 'Core') AS "Core"
FROM active a
JOIN depth_at d
  ON d.person_id = a.person_id
 AND d.d = LEAST(CAST(a.month + INTERVAL 1 MONTH AS DATE), CAST($end AS DATE))
GROUP BY a.month
ORDER BY a.month
