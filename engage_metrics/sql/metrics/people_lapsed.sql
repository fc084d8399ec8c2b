-- id: people_lapsed
-- label: Lapsed people
-- unit: table
-- room: people
-- shape: table
-- params: end, programs, lapse_days
-- definition: The people counted by Lapsed people: at least 3 attended participations (selected
--   programs) before the window's end, the latest the lapse threshold (a setting, 180 days by
--   default) or more before it. Most recently lapsed first — the easiest to win back. Their rung
--   is the highest rung they attended before the end in any program.
-- formula: attended before end >= 3 AND end - last attended >= lapse_days
WITH attended AS (
    SELECT p.person_id, p.rung, e.event_date,
           (len($programs) = 0 OR list_contains($programs, e.program)) AS in_scope
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
    WHERE p.status = 'attended' AND e.event_date < CAST($end AS DATE)
),
per_person AS (
    SELECT person_id, COUNT(*) FILTER (WHERE in_scope) AS attended,
           MAX(event_date) FILTER (WHERE in_scope) AS last_attended, MAX(rung) AS rung
    FROM attended
    GROUP BY person_id
)
SELECT pp.person_id,
       COALESCE(NULLIF(TRIM(pe.full_name), ''),
                TRIM(COALESCE(pe.first_name, '') || ' ' || COALESCE(pe.last_name, ''))) AS name,
       pe.email, pe.phone, pp.attended, pp.rung, pp.last_attended,
       date_diff('day', pp.last_attended, CAST($end AS DATE)) AS days_since
FROM per_person pp
JOIN person pe ON pe.person_id = pp.person_id
WHERE pp.attended >= 3 AND {{ lapsed(pp.last_attended, CAST($end AS DATE)) }}
ORDER BY pp.last_attended DESC, pp.person_id
