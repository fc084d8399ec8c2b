-- id: mean_depth
-- label: Mean relationship depth
-- unit: score
-- room: depth
-- shape: scalar
-- params: start, end, programs
-- depth_at: window_end
-- definition: Mean relationship depth (0–100, see Relationship depth) at the window's end of the
--   people active in the window in the selected programs; depth itself uses all programs. Empty
--   when nobody was active.
-- formula: AVG(depth score as of end) over the window's active people
WITH active AS (        -- people who attended in the window (window facts)
    SELECT person_id
    FROM window_person
    WHERE attended > 0
)
SELECT AVG(d.score) AS value
FROM active a
JOIN depth_at d ON d.person_id = a.person_id AND d.d = CAST($end AS DATE)
