-- id: people_slipping
-- label: Slipping regulars
-- unit: table
-- room: people
-- shape: table
-- params: end, programs, lapse_days
-- definition: Regulars — at least 4 attended participations (selected programs) in the 365 days
--   before the window's end — whose time since their last attendance is more than 1.5 times their
--   usual gap (the median number of days between consecutive distinct dates they attended,
--   selected programs, over all their history before the end) but under the lapse threshold (a
--   setting, 180 days by default), so they have not lapsed yet. A call now can bring them back.
--   Longest overdue first.
-- formula: days since last > 1.5 * MEDIAN(days between consecutive attended dates) AND days since last < lapse_days
WITH recent_attended AS (
    SELECT p.person_id, COUNT(*) AS attended
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
    WHERE p.status = 'attended' AND e.event_date < CAST($end AS DATE)
      AND date_diff('day', e.event_date, CAST($end AS DATE)) <= 365
      AND (len($programs) = 0 OR list_contains($programs, e.program))
    GROUP BY p.person_id
),
dates AS (           -- of the regulars only: no one else is listed, so no one else's gaps
    SELECT DISTINCT p.person_id, e.event_date
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
    WHERE p.status = 'attended' AND e.event_date < CAST($end AS DATE)
      AND (len($programs) = 0 OR list_contains($programs, e.program))
      AND p.person_id IN (SELECT person_id FROM recent_attended WHERE attended >= 4)
),
gaps AS (
    SELECT person_id, event_date,
           date_diff('day', LAG(event_date) OVER (PARTITION BY person_id ORDER BY event_date),
                     event_date) AS gap
    FROM dates
),
per_person AS (
    SELECT person_id,
           COUNT(*) FILTER (WHERE date_diff('day', event_date, CAST($end AS DATE)) <= 365)
               AS recent_dates,
           MAX(event_date) AS last_attended,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS usual_gap
    FROM gaps
    GROUP BY person_id
)
SELECT pp.person_id,
       COALESCE(NULLIF(TRIM(pe.full_name), ''),
                TRIM(COALESCE(pe.first_name, '') || ' ' || COALESCE(pe.last_name, ''))) AS name,
       pe.email, pe.phone, r.attended AS attended_last_365, pp.usual_gap,
       date_diff('day', pp.last_attended, CAST($end AS DATE)) AS days_since, pp.last_attended
FROM per_person pp
JOIN recent_attended r ON r.person_id = pp.person_id
JOIN person pe ON pe.person_id = pp.person_id
WHERE r.attended >= 4
  AND pp.usual_gap IS NOT NULL
  AND date_diff('day', pp.last_attended, CAST($end AS DATE)) > 1.5 * pp.usual_gap
  AND NOT {{ lapsed(pp.last_attended, CAST($end AS DATE)) }}
ORDER BY date_diff('day', pp.last_attended, CAST($end AS DATE)) / pp.usual_gap DESC, pp.person_id
