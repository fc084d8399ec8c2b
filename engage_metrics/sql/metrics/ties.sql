-- id: ties
-- label: Ties per person
-- unit: table
-- room: depth
-- shape: table
-- params: asof
-- depth_at: asof
-- definition: For every person who attended anything before the date, the number of distinct
--   other people who attended at least 2 of the same event occurrences as them in the 365 days
--   before it (the unclipped count behind the depth score's ties part).
-- formula: COUNT(DISTINCT other person sharing >= 2 attended occurrences in [asof - 365, asof))
SELECT person_id, ties_count AS ties
FROM depth_at
WHERE d = CAST($asof AS DATE)
ORDER BY person_id
