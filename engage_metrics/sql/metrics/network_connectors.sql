-- id: network_connectors
-- label: Connectors and their ties
-- unit: table
-- room: depth
-- shape: table
-- params: start, end, programs, top_n
-- definition: Co-participation network of the window (selected programs): two people are tied when
--   they attended at least 2 of the same event occurrences in the window. The connectors are the
--   top_n people with the most ties; one row per tie between two connectors, with the number of
--   occurrences they shared and each one's name and number of ties.
-- formula: ties(person) = COUNT(DISTINCT other person sharing >= 2 attended occurrences in window)
WITH attended AS (
    SELECT DISTINCT p.person_id, p.event_id
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
    WHERE {{ attended_in_window }}
),
pairs AS (          -- pairs with >= 2 shared attended occurrences in the window, and how many
    -- selected programs: every pair of co-attendees of the window's occurrences
    SELECT a.person_id AS person_a, b.person_id AS person_b, COUNT(*) AS shared
    FROM attended a
    JOIN attended b ON b.event_id = a.event_id AND b.person_id > a.person_id
    WHERE len($programs) > 0
    GROUP BY a.person_id, b.person_id
    HAVING COUNT(*) >= 2
    UNION ALL
    -- all programs: tie_step (kept by every import: sql/resolve/ties.sql) holds each pair's
    -- consecutive two shared occurrences (prev_date, date); the k >= 2 shared in the window
    -- are consecutive, so k - 1 of those steps lie in it (instead of grouping millions of
    -- pairs of co-attendees)
    SELECT person_id, other_id, COUNT(*) + 1
    FROM tie_step
    WHERE len($programs) = 0 AND person_id < other_id
      AND prev_date >= CAST($start AS DATE) AND date < CAST($end AS DATE)
    GROUP BY person_id, other_id
),
degree AS (
    SELECT person_id, COUNT(*) AS ties
    FROM (SELECT person_a AS person_id FROM pairs UNION ALL SELECT person_b FROM pairs) ends
    GROUP BY person_id
),
connectors AS (
    SELECT person_id, ties
    FROM degree
    ORDER BY ties DESC, person_id
    LIMIT $top_n
),
named AS (
    SELECT c.person_id, c.ties,
           COALESCE(NULLIF(TRIM(pe.full_name), ''),
                    TRIM(COALESCE(pe.first_name, '') || ' ' || COALESCE(pe.last_name, ''))) AS name
    FROM connectors c
    JOIN person pe ON pe.person_id = c.person_id
)
SELECT p.person_a, a.name AS name_a, a.ties AS ties_a,
       p.person_b, b.name AS name_b, b.ties AS ties_b, p.shared
FROM pairs p
JOIN named a ON a.person_id = p.person_a
JOIN named b ON b.person_id = p.person_b
ORDER BY p.shared DESC, p.person_a, p.person_b
