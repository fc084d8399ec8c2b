-- id: ask_acceptance
-- label: Ask acceptance by rung and depth
-- unit: table
-- room: ladder
-- shape: table
-- params: start, end
-- depth_at: asks
-- definition: Asks made in the window, by the rung asked for and the person's relationship-depth
--   tier on the day of the ask (people who had attended nothing before it count as New): number
--   of asks, number accepted and the acceptance rate. Tests "the bigger the relationship, the
--   bigger the tasks".
-- formula: rate = COUNT(outcome = yes) / COUNT(asks) per (ask rung, depth tier at ask date)
WITH asks AS (
    SELECT a.person_id, a.ask_date, a.rung, a.outcome
    FROM ask a
    WHERE a.ask_date >= CAST($start AS DATE) AND a.ask_date < CAST($end AS DATE)
),
tiers (tier, position) AS (
    VALUES ('New', 1), ('Acquainted', 2), ('Connected', 3), ('Committed', 4), ('Core', 5)
),
tiered AS (
    SELECT a.rung, a.outcome, COALESCE(d.tier, 'New') AS tier
    FROM asks a
    LEFT JOIN depth_at d ON d.person_id = a.person_id AND d.d = a.ask_date
)
SELECT x.rung, x.tier, COUNT(*) AS asks, COUNT(*) FILTER (WHERE x.outcome = 'yes') AS yes,
       CAST(COUNT(*) FILTER (WHERE x.outcome = 'yes') AS DOUBLE) / COUNT(*) AS rate
FROM tiered x
JOIN tiers t ON t.tier = x.tier
GROUP BY x.rung, x.tier, t.position
ORDER BY x.rung, t.position
