-- id: dist_depth_parts
-- label: The six parts of depth
-- unit: table
-- room: depth
-- shape: table
-- params: start, end, programs, w_tenure, w_frequency, w_recency, w_breadth, w_ties, w_touches
-- depth_at: window_end
-- definition: For the window's active people (selected programs), the mean of each of the six
--   parts of relationship depth at the window's end (each 0–1: tenure, frequency, recency,
--   breadth, ties, relational touches), its weight, and the points it adds to mean depth
--   (100 × weight × mean part; the six add up to mean depth).
-- formula: points(part) = 100 * weight(part) * AVG(part) over active people
WITH active AS (        -- people who attended in the window (window facts)
    SELECT person_id
    FROM window_person
    WHERE attended > 0
),
means AS (
    SELECT AVG(d.tenure) AS tenure, AVG(d.frequency) AS frequency, AVG(d.recency) AS recency,
           AVG(d.breadth) AS breadth, AVG(d.ties) AS ties, AVG(d.touches) AS touches
    FROM active a
    JOIN depth_at d ON d.person_id = a.person_id AND d.d = CAST($end AS DATE)
),
parts (part, position, weight, mean) AS (
    SELECT 'tenure', 1, $w_tenure, tenure FROM means
    UNION ALL SELECT 'frequency', 2, $w_frequency, frequency FROM means
    UNION ALL SELECT 'recency', 3, $w_recency, recency FROM means
    UNION ALL SELECT 'breadth', 4, $w_breadth, breadth FROM means
    UNION ALL SELECT 'ties', 5, $w_ties, ties FROM means
    UNION ALL SELECT 'touches', 6, $w_touches, touches FROM means
)
SELECT part, CAST(weight AS DOUBLE) AS weight, mean, 100 * weight * mean AS points
FROM parts
ORDER BY position
