-- id: people_rising
-- label: Rising people
-- unit: table
-- room: people
-- shape: table
-- params: start, end, programs
-- definition: People active in the window (selected programs) who are on the way up: they stepped
--   up the ladder in the window (their highest rung in it is above their rung before it), or they
--   are new in the window and already attended 3 or more times. Most active first.
-- formula: (max rung in window > rung before start) OR (first attended >= start AND attended in window >= 3)
WITH attended AS (
    SELECT p.person_id, p.rung, e.event_date,
           (len($programs) = 0 OR list_contains($programs, e.program)) AS in_scope
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
    WHERE p.status = 'attended' AND e.event_date < CAST($end AS DATE)
),
per_person AS (
    SELECT person_id,
           MAX(rung) FILTER (WHERE event_date < CAST($start AS DATE)) AS rung_before,
           MAX(rung) FILTER (WHERE in_scope AND event_date >= CAST($start AS DATE)) AS rung_in_window,
           MAX(rung) AS rung,
           MIN(event_date) AS first_attended,
           COUNT(*) FILTER (WHERE in_scope AND event_date >= CAST($start AS DATE)) AS in_window
    FROM attended
    GROUP BY person_id
)
SELECT pp.person_id,
       COALESCE(NULLIF(TRIM(pe.full_name), ''),
                TRIM(COALESCE(pe.first_name, '') || ' ' || COALESCE(pe.last_name, ''))) AS name,
       pe.email, pe.phone, pp.rung_before, pp.rung, pp.in_window, pp.first_attended,
       CASE WHEN pp.rung_before IS NULL THEN 'new, 3+ times' ELSE 'stepped up' END AS why
FROM per_person pp
JOIN person pe ON pe.person_id = pp.person_id
WHERE pp.in_window > 0
  AND ((pp.rung_before IS NOT NULL AND pp.rung_before < 5 AND pp.rung_in_window > pp.rung_before)
       OR (pp.rung_before IS NULL AND pp.in_window >= 3))
ORDER BY pp.in_window DESC, pp.person_id
