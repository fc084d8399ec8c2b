-- An attended participation in the window [start, end) and the selected programs (all
-- programs when none is selected): the condition of the window's attended participations
-- `p` (participation) of events `e` (event). A conjunction; include it after WHERE or AND:
--   WHERE {{ attended_in_window }}
p.status = 'attended'
  AND e.event_date >= CAST($start AS DATE) AND e.event_date < CAST($end AS DATE)
  AND (len($programs) = 0 OR list_contains($programs, e.program))
