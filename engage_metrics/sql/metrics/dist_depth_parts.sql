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
WITH means AS (
    SELECT AVG(tenure) AS tenure, AVG(frequency) AS frequency, AVG(recency) AS recency,
           AVG(breadth) AS breadth, AVG(ties) AS ties, AVG(touches) AS touches
    FROM window_depth   -- depth at end of the window's active people (window facts)
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
