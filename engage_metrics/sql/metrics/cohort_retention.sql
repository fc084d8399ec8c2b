-- id: cohort_retention
-- label: Cohort retention
-- unit: table
-- room: participation
-- shape: table
-- params: start, end, programs
-- definition: People grouped by the calendar month of their first attended participation ever
--   (cohorts from the window's first month to its last). A cohort's members are the people who
--   ever attended an event of the selected programs; cell (cohort, k) is the share of members
--   who attended an event of the selected programs in month cohort + k, k = 0 to 11. Months
--   after the data's last month are not observed yet and are left empty.
-- formula: rate(cohort, k) = COUNT(members attending in month cohort+k) / COUNT(members)
WITH RECURSIVE attended AS (
    SELECT p.person_id, e.event_date, e.program
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
    WHERE p.status = 'attended'
),
in_scope_months AS (
    SELECT DISTINCT person_id, CAST(date_trunc('month', event_date) AS DATE) AS month
    FROM attended
    WHERE len($programs) = 0 OR list_contains($programs, program)
),
cohort_of AS (
    SELECT person_id, CAST(date_trunc('month', MIN(event_date)) AS DATE) AS cohort
    FROM attended
    GROUP BY person_id
),
members AS (
    SELECT c.person_id, c.cohort
    FROM cohort_of c
    WHERE c.cohort >= CAST(date_trunc('month', CAST($start AS DATE)) AS DATE)
      AND c.cohort < CAST($end AS DATE)
      AND EXISTS (SELECT 1 FROM in_scope_months m WHERE m.person_id = c.person_id)
),
sizes AS (
    SELECT cohort, COUNT(*) AS cohort_size FROM members GROUP BY cohort
),
offsets (k) AS (
    SELECT 0 UNION ALL SELECT k + 1 FROM offsets WHERE k < 11
),
cells AS (
    SELECT s.cohort, o.k, s.cohort_size,
           CAST(s.cohort + o.k * INTERVAL 1 MONTH AS DATE) AS month
    FROM sizes s CROSS JOIN offsets o
),
last_month AS (
    SELECT CAST(date_trunc('month', MAX(event_date)) AS DATE) AS month FROM event
),
retained AS (
    SELECT c.cohort, c.k, COUNT(DISTINCT m.person_id) AS retained
    FROM cells c
    JOIN members m ON m.cohort = c.cohort
    JOIN in_scope_months a ON a.person_id = m.person_id AND a.month = c.month
    GROUP BY c.cohort, c.k
)
SELECT c.cohort, c.k, c.cohort_size,
       CASE WHEN c.month <= l.month THEN COALESCE(r.retained, 0) END AS retained,
       CASE WHEN c.month <= l.month THEN CAST(COALESCE(r.retained, 0) AS DOUBLE) / c.cohort_size
       END AS rate
FROM cells c
CROSS JOIN last_month l
LEFT JOIN retained r ON r.cohort = c.cohort AND r.k = c.k
ORDER BY c.cohort, c.k
