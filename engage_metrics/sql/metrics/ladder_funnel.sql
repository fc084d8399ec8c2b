-- id: ladder_funnel
-- label: Ladder funnel
-- unit: table
-- room: ladder
-- shape: table
-- params: end, programs
-- definition: Among people with any participation in the selected programs before the window's
--   end, how many had reached each rung by then (rung = highest rung attended in any program; 1
--   when registered but never attended). Conversion r→r+1 = reached r+1 ÷ reached r. Median days
--   = median, over people who reached the rung, of the days from their first participation of any
--   kind to their first attended participation at that rung or higher (0 for rung 1).
-- formula: reached(r) = COUNT(rung at end >= r); conversion(r) = reached(r+1) / reached(r)
WITH history AS (
    SELECT p.person_id, p.status, p.rung, e.event_date, e.program
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
    WHERE e.event_date < CAST($end AS DATE)
),
population AS (
    SELECT person_id,
           COALESCE(MAX(rung) FILTER (WHERE status = 'attended'), 1) AS rung,
           MIN(event_date) AS first_date
    FROM history
    GROUP BY person_id
    HAVING COUNT(*) FILTER (WHERE len($programs) = 0 OR list_contains($programs, program)) > 0
),
rungs (rung, name) AS (
    VALUES (1, 'Following'), (2, 'Endorsing'), (3, 'Contributing'), (4, 'Owning'), (5, 'Leading')
),
first_at AS (      -- first date each person attended at each rung or higher
    SELECT r.rung, h.person_id, MIN(h.event_date) AS first_date
    FROM rungs r
    JOIN history h ON h.status = 'attended' AND h.rung >= r.rung
    GROUP BY r.rung, h.person_id
),
reached_at AS (    -- days from a person's first participation to each rung they reached
    SELECT r.rung, p.person_id,
           CASE WHEN r.rung = 1 THEN 0 ELSE date_diff('day', p.first_date, f.first_date) END AS days
    FROM rungs r
    JOIN population p ON p.rung >= r.rung
    LEFT JOIN first_at f ON f.rung = r.rung AND f.person_id = p.person_id
),
steps AS (
    SELECT r.rung, r.name, COUNT(a.person_id) AS reached,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY a.days) AS median_days
    FROM rungs r
    LEFT JOIN reached_at a ON a.rung = r.rung
    GROUP BY r.rung, r.name
)
SELECT rung, name, reached,
       CAST(LEAD(reached) OVER (ORDER BY rung) AS DOUBLE) / NULLIF(reached, 0) AS conversion,
       median_days
FROM steps
ORDER BY rung
