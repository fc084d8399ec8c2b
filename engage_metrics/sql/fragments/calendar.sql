-- args: cte, period, unit, step
-- The calendar periods of the window [start, end): the recursive CTE `cte (period)`, the
-- first day of each calendar `unit` (month or quarter, `step` months long) from the one
-- holding $start to the last one starting before $end (no row for an empty window). The
-- monthly and quarterly series list every period from it; a query including it opens with
-- WITH RECURSIVE:  WITH RECURSIVE {{ calendar(months, month, month, 1) }}, next_cte AS (...)
{{ cte }} ({{ period }}) AS (
    SELECT CAST(date_trunc('{{ unit }}', CAST($start AS DATE)) AS DATE)
    WHERE CAST($start AS DATE) < CAST($end AS DATE)
    UNION ALL
    SELECT CAST({{ period }} + INTERVAL {{ step }} MONTH AS DATE)
    FROM {{ cte }}
    WHERE {{ period }} + INTERVAL {{ step }} MONTH < CAST($end AS DATE)
)
