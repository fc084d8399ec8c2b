-- Window facts, step 1: one row per person and program with a participation in the
-- window [start, end) or an attendance not lapsed by end (sql/fragments/lapsed.sql),
-- summing what the window's metrics count: one scan of the participations, shared by the
-- org-wide report and each program's (same window); engage_metrics.metrics.prepare_window
-- keeps it per window and data version. (person, event occurrence) is unique, so
-- `attended` is also the number of distinct occurrences attended. Every column but
-- `recent` counts only the window's participations; `recent` (the lapsed metric) counts
-- attendances not lapsed by end, which reach before start only in windows shorter than
-- the lapse threshold.
SELECT p.person_id, e.program,
       COUNT(*) FILTER (WHERE p.status = 'attended' AND e.event_date >= CAST($start AS DATE))
           AS attended,
       COUNT(*) FILTER (WHERE p.status = 'no_show' AND e.event_date >= CAST($start AS DATE))
           AS no_show,
       SUM(COALESCE(p.hours, 0))
           FILTER (WHERE p.status = 'attended' AND e.event_date >= CAST($start AS DATE)) AS hours,
       SUM(e.task_weight)
           FILTER (WHERE p.status = 'attended' AND e.event_date >= CAST($start AS DATE))
           AS task_weight,
       MAX(p.rung)
           FILTER (WHERE p.status = 'attended' AND e.event_date >= CAST($start AS DATE))
           AS best_rung,
       COUNT(*) FILTER (WHERE p.status = 'attended'
                          AND NOT {{ lapsed(e.event_date, CAST($end AS DATE)) }}) AS recent
FROM participation p
JOIN event e ON e.event_id = p.event_id
WHERE e.event_date < CAST($end AS DATE)
  AND (e.event_date >= CAST($start AS DATE)
       OR (p.status = 'attended' AND NOT {{ lapsed(e.event_date, CAST($end AS DATE)) }}))
GROUP BY p.person_id, e.program
