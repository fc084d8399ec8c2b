-- How the accepted rows' hours were read, for the import's notes: one row per form that
-- is not a plain number (the first line's value as the example, with the hours it gave),
-- and the rows with only one of time in / time out (no hours). Bare numbers read in the
-- unit the column's header states (minutes, seconds) are the form 'header unit'. Reads the
-- temp tables `src` and `staged` of one participation import. Bound parameters: $use_times,
-- $hours_unit.
WITH r AS (
    SELECT s._line, tidy(s.hours) AS raw, tidy(s.time_in) AS time_in,
           tidy(s.time_out) AS time_out, st.hours
    FROM src s JOIN staged st ON st.line_no = s._line
    WHERE st.reason IS NULL
),
forms AS (
    SELECT CASE WHEN hours_form(raw) = 'number' AND $hours_unit <> 'hours' THEN 'header unit'
                ELSE hours_form(raw) END AS form, *
    FROM r WHERE NOT $use_times AND hours IS NOT NULL
    UNION ALL
    SELECT 'decimal comma', * FROM r
    WHERE NOT $use_times AND hours IS NOT NULL AND regexp_matches(raw, '\d,\d')
    UNION ALL
    SELECT 'time span', * FROM r WHERE $use_times AND hours IS NOT NULL
    UNION ALL
    SELECT 'half span', * FROM r WHERE $use_times AND (time_in IS NULL) <> (time_out IS NULL)
)
SELECT form, arg_min(raw, _line) AS example, arg_min(hours, _line) AS hours,
       arg_min(time_in, _line) AS time_in, arg_min(time_out, _line) AS time_out,
       COUNT(*) AS n_rows
FROM forms
WHERE form <> 'number'
GROUP BY form
ORDER BY MIN(_line), form
