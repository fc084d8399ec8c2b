-- People who attended in [$start, $end): the outcome a backtest compares its chances with.
SELECT DISTINCT p.person_id
FROM participation p
JOIN event e ON e.event_id = p.event_id
WHERE p.status = 'attended'
  AND e.event_date >= CAST($start AS DATE) AND e.event_date < CAST($end AS DATE)
