-- The people whose ties (depth.sql) can differ between a depth snapshot date $old and the
-- date $new that replaces it when the default window moves (metrics.update_snapshots),
-- scored at $new, into temp table move_person: the people of the change (depth_person),
-- and everyone who attended an event in the days that enter or leave the ties' look-back
-- [D − $lookback_days, D) as D goes from $old to $new — [lo, hi) and [lo − lookback,
-- hi − lookback), lo and hi the two dates in order. A pair's shared occurrences change
-- only through an event both attended, so everyone else keeps the ties they had at $old.
INSERT INTO move_person
SELECT person_id, CAST($new AS DATE) FROM depth_person
UNION
SELECT DISTINCT p.person_id, CAST($new AS DATE)
FROM participation p
JOIN event e ON e.event_id = p.event_id
WHERE p.status = 'attended'
  AND ((e.event_date >= CAST($lo AS DATE) AND e.event_date < CAST($hi AS DATE))
       OR (e.event_date >= CAST($lo AS DATE) - CAST($lookback_days AS INTEGER)
           AND e.event_date < CAST($hi AS DATE) - CAST($lookback_days AS INTEGER)));
