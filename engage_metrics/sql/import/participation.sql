-- Normalize the rows of a participation file (temp table `src`, all text, one
-- column per canonical field, NULL where unmapped) and give each row either
-- normalized values or a rejection reason. Bound parameters:
--   $source, $tz, $date_order, $has_status, $status_column, $registered_as_attended, $max_date,
--   $event_per_date, $use_times, $hours_unit ($event_per_date: the file has dates but no event
--   column, or its dates are people's own times in, so an occurrence is a date and program,
--   whatever the rows' times of day; $use_times: hours are each row's time out - time in, the
--   file has both and no hours; $hours_unit: 'hours', 'minutes' or 'seconds', the unit the
--   hours column's header states for its bare numbers)
-- Uses temp tables status_map(word, value) and attended_map(word, value) of the
-- source's vocabulary, and the macros parse_ts, parse_hours and parse_clock
-- (sql/import/macros.sql).
WITH s AS (
    SELECT
        _line, _raw,
        tidy(email)       AS email_raw,
        tidy(phone)       AS phone_raw,
        tidy(external_id) AS external_id,
        tidy(first_name)  AS first_name,
        tidy(last_name)   AS last_name,
        tidy(full_name)   AS full_name_raw,
        tidy(event_id)    AS event_id,
        tidy(title)       AS title_raw,
        tidy(event_type)  AS event_type,
        tidy(program)     AS program_raw,
        tidy(starts_at)   AS starts_raw,
        tidy(ends_at)     AS ends_raw,
        tidy(start_time)  AS start_time_raw,
        tidy(end_time)    AS end_time_raw,
        tidy(status)      AS status_raw,
        tidy(attended)    AS attended_raw,
        tidy(role)        AS role_raw,
        tidy(hours)       AS hours_raw,
        tidy(time_in)     AS time_in_raw,
        tidy(time_out)    AS time_out_raw,
        _overflow, _unsaved, _lost
    FROM src
),
-- Dates, emails, phones and status words repeat across rows: each distinct text is
-- normalized once (regular expressions are the costly part) and joined back. The texts of
-- every date and time column are parsed by one call of parse_ts (binding it costs a query
-- about 25 ms, paid once per call written).
date_texts AS (
    SELECT starts_raw AS raw FROM s UNION SELECT ends_raw FROM s
    UNION SELECT time_in_raw FROM s WHERE $use_times
    UNION SELECT time_out_raw FROM s WHERE $use_times
),
parsed AS MATERIALIZED (
    SELECT raw, parse_ts(raw, $tz, $date_order) AS ts FROM date_texts WHERE raw IS NOT NULL
),
dates AS (SELECT raw, ts, ts_is_time(raw) AS bare_time FROM parsed),
-- a date and its times in separate columns (Date + Start Time + End Time)
event_times AS (
    SELECT raw, ts_time_of_day(raw) AS t
    FROM (SELECT start_time_raw AS raw FROM s UNION SELECT end_time_raw FROM s) d
    WHERE raw IS NOT NULL
),
emails AS (
    SELECT raw, norm_email(raw) AS email
    FROM (SELECT DISTINCT email_raw AS raw FROM s WHERE email_raw IS NOT NULL) d
),
phones AS (
    SELECT raw, norm_phone(raw) AS phone
    FROM (SELECT DISTINCT phone_raw AS raw FROM s WHERE phone_raw IS NOT NULL) d
),
statuses AS (
    SELECT raw, (SELECT m.value FROM status_map m WHERE m.word = norm_words(raw)) AS value
    FROM (SELECT DISTINCT status_raw AS raw FROM s WHERE status_raw IS NOT NULL) d
),
attended_flags AS (
    SELECT raw, (SELECT m.value FROM attended_map m WHERE m.word = norm_words(raw)) AS value
    FROM (SELECT DISTINCT attended_raw AS raw FROM s WHERE attended_raw IS NOT NULL) d
),
-- Hours: a comma is a decimal separator when the column uses decimal commas — some
-- value has a comma followed by other than 3 digits (1,5; never a thousands group like
-- 1,500) and no value has a decimal point (docs/importing/hours.md).
hours_text AS (SELECT DISTINCT hours_raw AS raw FROM s WHERE hours_raw IS NOT NULL),
hours_col AS (
    SELECT COALESCE(bool_or(regexp_matches(raw, '\d,(\d{1,2}|\d{4,})(\D|$)'))
                    AND NOT bool_or(regexp_matches(raw, '\d\.\d')), false) AS dc
    FROM hours_text
),
hours_read AS (SELECT raw, parse_hours(raw, dc, unit := $hours_unit) AS h
               FROM hours_text, hours_col),
-- A person's own time in / time out: a date and time, or a time of day on the row's date
clock_times AS (SELECT raw, ts, parse_clock(raw) AS clock FROM parsed WHERE $use_times),
n AS (
    SELECT
        s.*,
        em.email,
        ph.phone,
        COALESCE(full_name_raw, tidy(CONCAT_WS(' ', first_name, last_name))) AS full_name,
        ds.bare_time AS starts_bare_time,
        tm.t AS start_time,
        te.t AS end_time,
        CASE WHEN tm.t IS NOT NULL THEN CAST(ds.ts AS DATE) + tm.t ELSE ds.ts END AS starts_at,
        CASE WHEN te.t IS NULL THEN de.ts
             -- an end time before the start time ends the next day (a shift past midnight)
             WHEN de.ts IS NULL AND CAST(ds.ts AS DATE) + te.t
                  < CASE WHEN tm.t IS NOT NULL THEN CAST(ds.ts AS DATE) + tm.t ELSE ds.ts END
                 THEN CAST(ds.ts AS DATE) + te.t + INTERVAL 1 DAY
             ELSE CAST(COALESCE(de.ts, ds.ts) AS DATE) + te.t END AS ends_at,
        -- no status column: a sign-in list (attended); with only an attended column, a blank
        -- one is a registration whose attendance was not marked
        COALESCE(st.value, CASE WHEN NOT $has_status THEN 'attended'
                                WHEN NOT $status_column AND s.attended_raw IS NULL
                                    THEN 'registered' END) AS status_mapped,
        af.value AS attended_flag,
        hr.h AS hours_read,
        COALESCE(ti.ts, CAST(ds.ts AS DATE) + ti.clock) AS in_at,
        tt.ts AS out_ts,
        tt.clock AS out_clock
    FROM s
    LEFT JOIN emails em ON em.raw = s.email_raw
    LEFT JOIN phones ph ON ph.raw = s.phone_raw
    LEFT JOIN dates ds ON ds.raw = s.starts_raw
    LEFT JOIN dates de ON de.raw = s.ends_raw
    LEFT JOIN event_times tm ON tm.raw = s.start_time_raw
    LEFT JOIN event_times te ON te.raw = s.end_time_raw
    LEFT JOIN statuses st ON st.raw = s.status_raw
    LEFT JOIN attended_flags af ON af.raw = s.attended_raw
    LEFT JOIN hours_read hr ON hr.raw = s.hours_raw
    LEFT JOIN clock_times ti ON ti.raw = s.time_in_raw
    LEFT JOIN clock_times tt ON tt.raw = s.time_out_raw
),
-- a time out without a date is on the time in's date (else the row's); midnight (00:00)
-- as such a time out after a later time in is the end of that day
nt AS (
    SELECT n.*, COALESCE(out_ts, CAST(COALESCE(in_at, starts_at) AS DATE) + out_clock
                         + CASE WHEN out_clock = TIME '00:00:00' AND in_at > CAST(in_at AS DATE)
                                THEN INTERVAL 1 DAY ELSE INTERVAL 0 DAY END) AS out_at
    FROM n
),
-- hours are the file's hours, or the row's own time in -> time out when the file has no
-- hours column; never the event's scheduled start and end
nh AS (
    SELECT nt.*,
        CASE WHEN $use_times
             THEN CASE WHEN out_at >= in_at THEN date_diff('second', in_at, out_at) / 3600.0 END
             ELSE hours_read END AS hours
    FROM nt
),
v AS (
    SELECT
        nh.*,
        CASE
            WHEN status_mapped = 'cancelled' THEN 'cancelled'
            WHEN attended_flag IS NOT NULL THEN attended_flag
            WHEN status_mapped = 'registered' AND $registered_as_attended THEN 'attended'
            ELSE status_mapped
        END AS status_final,
        CASE
            -- a required value lost to a formula cell without a saved value
            WHEN _lost IS NOT NULL AND (
                    (email IS NULL AND phone IS NULL AND external_id IS NULL AND full_name IS NULL
                     AND unsaved_lost(_lost, ['email', 'phone', 'external_id', 'first_name', 'last_name', 'full_name']))
                    OR (title_raw IS NULL AND event_id IS NULL
                        AND unsaved_lost(_lost, ['title', 'event_id']))
                    OR (starts_raw IS NULL AND unsaved_lost(_lost, ['starts_at'])))
                THEN unsaved_reason(_unsaved)
            WHEN email IS NULL AND phone IS NULL AND external_id IS NULL AND full_name IS NULL
                THEN CASE WHEN email_raw IS NOT NULL
                          THEN 'invalid email ''' || email_raw || ''' and no phone, id or name'
                          ELSE 'no email, phone, person id or name' END
            WHEN title_raw IS NULL AND event_id IS NULL THEN 'no event name or id'
            WHEN starts_raw IS NULL THEN 'no date'
            WHEN starts_bare_time THEN '''' || starts_raw || ''' is a time without a date: map '
                 || 'the date column to the start date and this column to the start time'
            WHEN starts_at IS NULL THEN 'unparseable date ''' || starts_raw || ''''
            WHEN starts_at < TIMESTAMP '1990-01-01' OR starts_at > $max_date
                THEN 'implausible date ''' || starts_raw || ''' (before 1990 or more than 5 years ahead)'
            WHEN ends_raw IS NOT NULL AND ends_at IS NULL THEN 'unparseable end date ''' || ends_raw || ''''
            WHEN start_time_raw IS NOT NULL AND start_time IS NULL
                THEN 'start time ''' || start_time_raw || ''' is not a time of day'
            WHEN end_time_raw IS NOT NULL AND end_time IS NULL
                THEN 'end time ''' || end_time_raw || ''' is not a time of day'
            -- the source's status table rejects a value with its reason ('reject:<reason>')
            WHEN status_mapped LIKE 'reject:%' THEN SUBSTRING(status_mapped, 8)
            WHEN $status_column AND status_raw IS NULL AND attended_flag IS NULL
                THEN 'blank status'
            WHEN $has_status AND status_mapped IS NULL AND attended_flag IS NULL
                THEN 'unknown status ''' || status_raw || ''''
            WHEN attended_raw IS NOT NULL AND attended_flag IS NULL
                THEN 'unknown attended value ''' || attended_raw || ''''
            WHEN $use_times AND time_in_raw IS NOT NULL AND in_at IS NULL
                THEN 'unparseable time in ''' || time_in_raw || ''''
            WHEN $use_times AND time_out_raw IS NOT NULL AND out_at IS NULL
                THEN 'unparseable time out ''' || time_out_raw || ''''
            WHEN out_at < in_at
                THEN 'time out ''' || time_out_raw || ''' is before time in ''' || time_in_raw || ''''
                     || CASE WHEN out_ts IS NULL
                             THEN ' (a shift past midnight needs the date with each time)'
                             ELSE '' END
            WHEN $use_times AND hours > 24
                THEN 'time in ''' || time_in_raw || ''' to time out ''' || time_out_raw || ''' is '
                     || ROUND(hours, 2) || ' hours, out of range (0 to 24 per participation)'
            WHEN hours_raw IS NOT NULL AND hours IS NULL
                THEN 'hours ''' || hours_raw || ''' is not a number'
                     || CASE WHEN regexp_matches(hours_raw, '\d,\d')
                             THEN ' (a comma is a decimal separator only in a column that writes '
                                  || 'every decimal with a comma)'
                             ELSE '' END
            WHEN hours < 0 OR hours > 24
                THEN 'hours ' || hours_raw
                     || CASE WHEN $hours_unit <> 'hours' AND hours_form(hours_raw) = 'number'
                             THEN ' ' || $hours_unit || ' = ' || printf('%g', round(hours, 2)) || ' h'
                             ELSE '' END
                     || ' out of range (0 to 24 per participation)'
            WHEN _overflow THEN 'more cells than header columns (check the delimiter and quoting)'
        END AS reason
    FROM nh
)
SELECT
    _line AS line_no, _raw AS raw, reason,
    $source AS source, email, phone, external_id, first_name, last_name, full_name,
    CASE WHEN event_id IS NOT NULL
             -- a meeting id dated by people's times in: one occurrence per date
             THEN 'id:' || event_id
                  || CASE WHEN $event_per_date THEN '@' || STRFTIME(starts_at, '%Y-%m-%d') ELSE '' END
         WHEN $event_per_date THEN 'on:' || STRFTIME(starts_at, '%Y-%m-%d') || '|' || LOWER(title_raw)
                                   || '|' || LOWER(COALESCE(program_raw, 'Unassigned'))
         ELSE 'at:' || STRFTIME(starts_at, '%Y-%m-%d %H:%M') || '|' || LOWER(title_raw) END AS event_key,
    COALESCE(title_raw, event_type, 'Event ' || event_id) AS title,
    event_type,
    COALESCE(program_raw, 'Unassigned') AS program,
    starts_at, ends_at,
    status_final AS status,
    COALESCE(LOWER(role_raw), 'attendee') AS role,
    hours
FROM v
