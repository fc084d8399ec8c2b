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
WITH active AS (        -- people who attended in the window (window facts)
    SELECT person_id
    FROM window_person
    WHERE attended > 0
),
tiers (tier, position) AS (
    VALUES ('New', 1), ('Acquainted', 2), ('Connected', 3), ('Committed', 4), ('Core', 5)
),
counted AS (
    SELECT d.tier, COUNT(*) AS people
    FROM active a
    JOIN depth_at d ON d.person_id = a.person_id AND d.d = CAST($end AS DATE)
    GROUP BY d.tier
)
SELECT t.tier, COALESCE(c.people, 0) AS people
FROM tiers t
LEFT JOIN counted c ON c.tier = t.tier
ORDER BY t.position
