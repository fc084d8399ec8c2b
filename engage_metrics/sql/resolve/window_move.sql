-- The people whose window facts (sql/facts/window_program.sql) can differ between a stored
-- snapshot window and the window that replaces it when the default window moves
-- (metrics.update_snapshots), added to temp table window_move: the people of the change
-- (fact_person), everyone with a participation in the days between the two starts
-- [$s_lo, $s_hi) or the two ends [$e_lo, $e_hi), and everyone who attended in the days
-- whose attendances lapse between the two ends (`recent`; a day more on each side than
-- the lapse rule's exact edge, which only adds people). Everyone else has the same
-- participations in both windows, and the same person_fact: the same rows.
INSERT INTO window_move
SELECT person_id FROM fact_person
UNION
SELECT DISTINCT p.person_id
FROM participation p
JOIN event e ON e.event_id = p.event_id
WHERE (e.event_date >= CAST($s_lo AS DATE) AND e.event_date < CAST($s_hi AS DATE))
   OR (e.event_date >= CAST($e_lo AS DATE) AND e.event_date < CAST($e_hi AS DATE))
   OR (p.status = 'attended'
       AND e.event_date >= CAST($e_lo AS DATE) - CAST($lapse_days AS INTEGER) - 1
       AND e.event_date <= CAST($e_hi AS DATE) - CAST($lapse_days AS INTEGER) + 1);
