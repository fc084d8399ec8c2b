-- id: dist_depth
-- label: Depth distribution
-- unit: table
-- room: depth
-- shape: table
-- params: start, end, programs
-- depth_at: window_end
-- definition: The window's active people (selected programs) by their relationship depth at the
--   window's end, in bands of 10 points [low, low + 10) (0–10 … 90–100, every band listed; a
--   score of exactly 100 counts in 90–100).
-- formula: COUNT(active people) per FLOOR(depth / 10)
WITH bands AS (
    SELECT * FROM range(0, 100, 10) t(low)
),
scored AS (
    SELECT LEAST(CAST(FLOOR(score / 10) AS INTEGER) * 10, 90) AS low
    FROM window_depth   -- depth at end of the window's active people (window facts)
)
SELECT b.low, b.low + 10 AS high, COUNT(s.low) AS people
FROM bands b
LEFT JOIN scored s ON s.low = b.low
GROUP BY b.low
ORDER BY b.low
