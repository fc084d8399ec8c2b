-- id: relationship_strength
-- label: Relationship strength
-- unit: ratio
-- room: spectrum
-- shape: scalar
-- params: start, end, programs
-- depth_at: window_end
-- definition: The charge of the relationship battery: mean relationship depth at the window's
--   end of the people active in the window (selected programs), divided by 100. Empty when
--   nobody was active.
-- formula: AVG(depth score as of end) / 100 over the window's active people
WITH active AS (        -- people who attended in the window (window facts)
    SELECT person_id
    FROM window_person
    WHERE attended > 0
)
SELECT AVG(d.score) / 100 AS value
FROM active a
JOIN depth_at d ON d.person_id = a.person_id AND d.d = CAST($end AS DATE)
