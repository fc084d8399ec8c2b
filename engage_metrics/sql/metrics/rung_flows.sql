-- id: rung_flows
-- label: Rung flows between two periods
-- unit: table
-- room: ladder
-- shape: table
-- params: a_start, a_end, start, end, programs
-- definition: Where people moved between period A and period B (selected programs): everyone
--   with a participation in A or in B appears once on each side. Sources: people who took
--   part in A, at their rung at the end of A; "New" for people whose first participation ever
--   is in B; "Back after a break" for people who took part in B, not in A, and had taken part
--   before B (with a program filter also people who took part only in other programs
--   meanwhile). Targets: their rung at the end of B if they took part in B, otherwise "Lapsed"
--   (not seen in B). So the sources add up to the people in A plus those new or back in B,
--   the targets to the people in B plus those lapsed, and both to everyone who took part in
--   either period. Rungs use all of a person's attended participations.
-- formula: people per (source, target) over people in A or B; source = rung at end of A | New (first participation in B) | Back (earlier, not in A); target = rung at end of B | Lapsed; rung at a date = max attended rung before it (1 if none attended)
WITH parts AS (
    SELECT p.person_id, p.status, p.rung, e.event_date,
           (len($programs) = 0 OR list_contains($programs, e.program)) AS in_scope
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
),
per_person AS (
    SELECT person_id,
           MIN(event_date) AS first_date,
           BOOL_OR(in_scope AND event_date >= CAST($a_start AS DATE)
                   AND event_date < CAST($a_end AS DATE)) AS in_a,
           BOOL_OR(in_scope AND event_date >= CAST($start AS DATE)
                   AND event_date < CAST($end AS DATE)) AS in_b,
           COALESCE(MAX(rung) FILTER (WHERE status = 'attended'
                                      AND event_date < CAST($a_end AS DATE)), 1) AS rung_a,
           COALESCE(MAX(rung) FILTER (WHERE status = 'attended'
                                      AND event_date < CAST($end AS DATE)), 1) AS rung_b
    FROM parts
    GROUP BY person_id
),
moves AS (
    SELECT CASE WHEN in_a THEN 'Rung ' || CAST(rung_a AS VARCHAR) || ' (A)'
                WHEN first_date >= CAST($start AS DATE) THEN 'New'
                ELSE 'Back' END AS source,   -- in B, not in A, with an earlier participation
           CASE WHEN in_b THEN 'Rung ' || CAST(rung_b AS VARCHAR) || ' (B)' ELSE 'Lapsed' END AS target
    FROM per_person
    WHERE in_a OR in_b
)
SELECT source, target, COUNT(*) AS people
FROM moves
GROUP BY source, target
ORDER BY source, target
