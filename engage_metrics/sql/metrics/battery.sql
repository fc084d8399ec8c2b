-- id: battery
-- label: Relationship battery by month
-- unit: table
-- room: spectrum
-- shape: table
-- params: start, end, programs
-- depth_at: months
-- definition: For each calendar month of the window (selected programs): charge = relational
--   touches of attended participations (relationship 1, mixed 0.5, task 0), discharge =
--   task-weighted attended participations (task 1, mixed 0.5, relationship 0), and level = the
--   relationship strength at the month's end (mean depth ÷ 100 of the people active that month,
--   as of the first day of the next month or the window's end if earlier).
-- formula: charge = SUM(touch_weight); discharge = SUM(task_weight); level = AVG(depth at month end) / 100
WITH RECURSIVE {{ calendar(months, month, month, 1) }},
attended AS (
    SELECT p.person_id, e.task_weight, e.touch_weight,
           CAST(date_trunc('month', e.event_date) AS DATE) AS month
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
    WHERE {{ attended_in_window }}
),
flows AS (
    SELECT m.month,
           COALESCE(SUM(a.touch_weight), 0) AS charge,
           COALESCE(SUM(a.task_weight), 0) AS discharge
    FROM months m
    LEFT JOIN attended a ON a.month = m.month
    GROUP BY m.month
),
levels AS (
    SELECT a.month, AVG(d.score) / 100 AS level
    FROM (SELECT DISTINCT month, person_id FROM attended) a
    JOIN depth_at d
      ON d.person_id = a.person_id
     AND d.d = LEAST(CAST(a.month + INTERVAL 1 MONTH AS DATE), CAST($end AS DATE))
    GROUP BY a.month
)
SELECT f.month, CAST(f.charge AS DOUBLE) AS charge, CAST(f.discharge AS DOUBLE) AS discharge,
       l.level
FROM flows f
LEFT JOIN levels l ON l.month = f.month
ORDER BY f.month
