-- id: spectrum_by_program
-- label: Task/relationship spectrum by program
-- unit: table
-- room: spectrum
-- shape: table
-- params: start, end
-- depth_at: window_end
-- definition: For the whole organization (first row) and each program: attended participations
--   in the window, task share, relationship strength (mean depth at the window's end of the
--   people active in it ÷ 100) and the quadrant, split at 0.5: high task share and low strength
--   "All task (transactional)", low and high "All relationship", both high "Engaged (balanced)",
--   both low "Dormant".
-- formula: task_share = SUM(task_weight) / COUNT(attended); strength = AVG(depth at end) / 100
WITH attended AS (
    SELECT p.person_id, e.program, e.task_weight
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
    WHERE p.status = 'attended'
      AND e.event_date >= CAST($start AS DATE) AND e.event_date < CAST($end AS DATE)
),
groups AS (       -- the organization first, then every program
    SELECT 0 AS position, 'Organization' AS program
    UNION ALL
    SELECT DISTINCT 1 AS position, program FROM event
),
scoped AS (
    SELECT 0 AS position, 'Organization' AS program, person_id, task_weight FROM attended
    UNION ALL
    SELECT 1 AS position, program, person_id, task_weight FROM attended
),
shares AS (
    SELECT g.position, g.program, COUNT(s.person_id) AS attended,
           SUM(s.task_weight) / NULLIF(COUNT(s.person_id), 0) AS task_share
    FROM groups g
    LEFT JOIN scoped s ON s.position = g.position AND s.program = g.program
    GROUP BY g.position, g.program
),
strengths AS (
    SELECT a.position, a.program, AVG(d.score) / 100 AS relationship_strength
    FROM (SELECT DISTINCT position, program, person_id FROM scoped) a
    JOIN depth_at d ON d.person_id = a.person_id AND d.d = CAST($end AS DATE)
    GROUP BY a.position, a.program
),
joined AS (
    SELECT s.position, s.program, s.attended, s.task_share, t.relationship_strength
    FROM shares s
    LEFT JOIN strengths t ON t.position = s.position AND t.program = s.program
)
SELECT program, attended, task_share, relationship_strength,
       CASE WHEN task_share IS NULL OR relationship_strength IS NULL THEN NULL
            WHEN task_share >= 0.5 AND relationship_strength < 0.5 THEN 'All task (transactional)'
            WHEN task_share < 0.5 AND relationship_strength >= 0.5 THEN 'All relationship'
            WHEN task_share >= 0.5 THEN 'Engaged (balanced)'
            ELSE 'Dormant' END AS quadrant
FROM joined
ORDER BY position, program
