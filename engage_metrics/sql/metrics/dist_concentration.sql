-- id: dist_concentration
-- label: Concentration of participation
-- unit: table
-- room: participation
-- shape: table
-- params: start, end, programs
-- definition: The window's active people (selected programs) ranked by attended participations in
--   the window and cut into ten equal groups (deciles, most active first): people, participations
--   and share of all attended participations per decile, with the running share. The first
--   row's share is the share of participations by the top 10 % of people.
-- formula: share(decile) = SUM(participations of its people) / SUM(all participations); deciles by NTILE(10) over participations DESC
WITH per_person AS (    -- attended participations (= occurrences) in the window (window facts)
    SELECT person_id, attended AS participations
    FROM window_person
    WHERE attended > 0
),
ranked AS (
    SELECT participations,
           NTILE(10) OVER (ORDER BY participations DESC, person_id) AS decile
    FROM per_person
),
deciles AS (
    SELECT decile, COUNT(*) AS people, CAST(SUM(participations) AS BIGINT) AS participations
    FROM ranked
    GROUP BY decile
)
SELECT decile, people, participations,
       CAST(participations AS DOUBLE) / SUM(participations) OVER () AS share,
       CAST(SUM(participations) OVER (ORDER BY decile) AS DOUBLE) / SUM(participations) OVER ()
           AS cumulative_share
FROM deciles
ORDER BY decile
