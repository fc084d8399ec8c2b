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
SELECT AVG(score) AS value
FROM window_depth   -- depth at end of the window's active people (window facts)
