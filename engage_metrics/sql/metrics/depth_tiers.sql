-- id: depth_tiers
-- label: People by depth tier
-- unit: table
-- room: depth
-- shape: table
-- params: start, end, programs
-- depth_at: window_end
-- definition: The window's active people (selected programs) counted by their relationship-depth
--   tier at the window's end: New, Acquainted, Connected, Committed, Core (every tier listed,
--   0 when empty).
-- formula: COUNT(active people) per tier of depth as of end
WITH tiers (tier, position) AS (
    VALUES ('New', 1), ('Acquainted', 2), ('Connected', 3), ('Committed', 4), ('Core', 5)
),
counted AS (
    SELECT tier, COUNT(*) AS people
    FROM window_depth   -- depth at end of the window's active people (window facts)
    GROUP BY tier
)
SELECT t.tier, COALESCE(c.people, 0) AS people
FROM tiers t
LEFT JOIN counted c ON c.tier = t.tier
ORDER BY t.position
