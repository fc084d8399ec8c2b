-- id: return_rate_90d
-- label: 90-day return rate
-- unit: ratio
-- room: participation
-- shape: scalar
-- params: start, end, programs
-- definition: Of the window's new people (first attended participation ever in the window,
--   active in the selected programs) whose first attendance is at least 90 days before the
--   data's last event date, the share who attended again (any program) on a later date at
--   most 90 days after that first attendance. Later newcomers cannot be judged yet and are
--   left out; empty when none can be judged.
-- formula: COUNT(new AND attended in (first, first + 90 days]) / COUNT(new AND first <= last date - 90 days)
WITH data_end AS (
    SELECT MAX(event_date) AS last_date FROM event
),
cohort AS (  -- active (window facts), first attendance ever (all programs) in the window,
             -- 90 days observable
    SELECT w.first_attended, w.next_attended
    FROM window_person w
    CROSS JOIN data_end d
    WHERE w.attended > 0
      AND w.first_attended >= CAST($start AS DATE) AND w.first_attended < CAST($end AS DATE)
      AND date_diff('day', w.first_attended, d.last_date) >= 90
)
SELECT CAST(COUNT(*) FILTER (WHERE date_diff('day', first_attended, next_attended) <= 90) AS DOUBLE)
       / NULLIF(COUNT(*), 0) AS value
FROM cohort
