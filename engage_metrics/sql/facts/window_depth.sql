-- Window facts, step 3, for metrics that read relationship depth at the window's end: the
-- depth_at rows (depth.sql's formula) of the window's active people, those who attended
-- in the selected programs (window_person), scored at end. Metrics that name
-- `window_depth` read it instead of each joining window_person and depth_at again.
SELECT d.*
FROM window_person w
JOIN depth_at d ON d.person_id = w.person_id AND d.d = CAST($end AS DATE)
WHERE w.attended > 0
