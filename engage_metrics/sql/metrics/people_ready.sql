-- id: people_ready
-- label: Ready for a bigger ask
-- unit: table
-- room: people
-- shape: table
-- params: start, end, programs, tier_committed
-- depth_at: window_end
-- definition: People active in the window (selected programs) whose relationship depth at the
--   window's end is Committed or deeper (60 or more by default) but whose rung is still 3
--   Contributing or lower: the relationship is there, the ask has not been made. Deepest first.
-- formula: active AND depth(end) >= Committed bound AND rung(end) <= 3
WITH attended AS (
    SELECT p.person_id, p.rung, e.event_date,
           (len($programs) = 0 OR list_contains($programs, e.program)) AS in_scope
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
    WHERE p.status = 'attended' AND e.event_date < CAST($end AS DATE)
),
per_person AS (
    SELECT person_id, MAX(rung) AS rung, MAX(event_date) AS last_attended,
           COUNT(*) FILTER (WHERE in_scope AND event_date >= CAST($start AS DATE)) AS in_window
    FROM attended
    GROUP BY person_id
    HAVING COUNT(*) FILTER (WHERE in_scope AND event_date >= CAST($start AS DATE)) > 0
)
SELECT pp.person_id,
       COALESCE(NULLIF(TRIM(pe.full_name), ''),
                TRIM(COALESCE(pe.first_name, '') || ' ' || COALESCE(pe.last_name, ''))) AS name,
       pe.email, pe.phone, pp.rung, d.score AS depth, d.tier, pp.last_attended, pp.in_window
FROM per_person pp
JOIN person pe ON pe.person_id = pp.person_id
JOIN depth_at d ON d.person_id = pp.person_id AND d.d = CAST($end AS DATE)
WHERE d.score >= $tier_committed AND pp.rung <= 3
ORDER BY d.score DESC, pp.person_id
