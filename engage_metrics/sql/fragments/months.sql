-- The calendar months of the window [start, end): the recursive CTE `months (month)`, the
-- first day of each month from the month of $start to the last one before $end (no row for
-- an empty window). The monthly series list every month from it; a query including it
-- opens with WITH RECURSIVE:  WITH RECURSIVE {{ months }}, next_cte AS (...)
months (month) AS (
    SELECT CAST(date_trunc('month', CAST($start AS DATE)) AS DATE)
    WHERE CAST($start AS DATE) < CAST($end AS DATE)
    UNION ALL
    SELECT CAST(month + INTERVAL 1 MONTH AS DATE)
    FROM months
    WHERE month + INTERVAL 1 MONTH < CAST($end AS DATE)
)
