-- id: dist_frequency
-- label: How often people came
-- unit: table
-- room: participation
-- shape: table
-- params: start, end, programs
-- definition: The window's active people (selected programs) by how many distinct event
--   occurrences they attended in the window: 1, 2, 3–5, 6–10, 11 or more (every bucket listed).
-- formula: COUNT(person) per bucket of COUNT(DISTINCT attended occurrence in window)
WITH per_person AS (    -- attended participations (= occurrences) in the window (window facts)
    SELECT person_id, attended AS occurrences
    FROM window_person
    WHERE attended > 0
),
buckets (bucket, low, high, position) AS (
    VALUES ('1', 1, 1, 1), ('2', 2, 2, 2), ('3–5', 3, 5, 3), ('6–10', 6, 10, 4),
           ('11+', 11, 2147483647, 5)
)
SELECT b.bucket, COUNT(pp.person_id) AS people,
       CAST(COALESCE(SUM(pp.occurrences), 0) AS BIGINT) AS participations
FROM buckets b
LEFT JOIN per_person pp ON pp.occurrences BETWEEN b.low AND b.high
GROUP BY b.bucket, b.position
ORDER BY b.position
