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
SELECT AVG(score) / 100 AS value
FROM window_depth   -- depth at end of the window's active people (window facts)
