-- id: people_table
-- label: People
-- unit: table
-- room: people
-- shape: table
-- params: start, end, programs
-- depth_at: asof
-- definition: Everyone who attended an event of the selected programs before the window's end:
--   name and contact, rung at the window's end (highest rung attended, any program), relationship
--   depth and tier at the window's end, first and last attendance, attended participations in the
--   window and in all, and the programs they attended.
-- formula: rung = MAX(rung of attended before end); depth as of end; events = COUNT(attended)
WITH attended AS (
    SELECT p.person_id, p.rung, e.event_date, e.program,
           (len($programs) = 0 OR list_contains($programs, e.program)) AS in_scope
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
    WHERE p.status = 'attended' AND e.event_date < CAST($end AS DATE)
),
per_person AS (
    SELECT person_id,
           MAX(rung) AS rung,
           MIN(event_date) AS first_attended,
           MAX(event_date) AS last_attended,
           COUNT(*) FILTER (WHERE in_scope AND event_date >= CAST($start AS DATE)) AS in_window,
           COUNT(*) AS attended,
           string_agg(DISTINCT program, ', ' ORDER BY program) AS programs
    FROM attended
    GROUP BY person_id
    HAVING BOOL_OR(in_scope)
)
SELECT pp.person_id,
       COALESCE(NULLIF(TRIM(pe.full_name), ''),
                TRIM(COALESCE(pe.first_name, '') || ' ' || COALESCE(pe.last_name, ''))) AS name,
       pe.email, pe.phone,
       pp.rung, d.score AS depth, d.tier,
       pp.first_attended, pp.last_attended,
       date_diff('day', pp.last_attended, CAST($end AS DATE)) AS days_since,
       pp.in_window, pp.attended, pp.programs
FROM per_person pp
JOIN person pe ON pe.person_id = pp.person_id
LEFT JOIN depth_at d ON d.person_id = pp.person_id AND d.d = CAST($end AS DATE)
ORDER BY d.score DESC NULLS LAST, pp.person_id
