-- Normalize the rows of a participation file (temp table `src`, all text, one
-- column per canonical field, NULL where unmapped) and give each row either
-- normalized values or a rejection reason. Bound parameters:
--   $source, $tz, $has_status, $registered_as_attended, $max_date
-- Uses temp tables status_map(word, value) and attended_map(word, value) of the
-- source's vocabulary, and the macro parse_ts (sql/import/macros.sql).
WITH s AS (
    SELECT
        _line, _raw,
        NULLIF(TRIM(email), '')       AS email_raw,
        NULLIF(TRIM(phone), '')       AS phone_raw,
        NULLIF(TRIM(external_id), '') AS external_id,
        NULLIF(TRIM(first_name), '')  AS first_name,
        NULLIF(TRIM(last_name), '')   AS last_name,
        NULLIF(TRIM(full_name), '')   AS full_name_raw,
        NULLIF(TRIM(event_id), '')    AS event_id,
        NULLIF(TRIM(title), '')       AS title_raw,
        NULLIF(TRIM(event_type), '')  AS event_type,
        NULLIF(TRIM(program), '')     AS program_raw,
        NULLIF(TRIM(starts_at), '')   AS starts_raw,
        NULLIF(TRIM(ends_at), '')     AS ends_raw,
        NULLIF(TRIM(status), '')      AS status_raw,
        NULLIF(TRIM(attended), '')    AS attended_raw,
        NULLIF(TRIM(role), '')        AS role_raw,
        NULLIF(TRIM(hours), '')       AS hours_raw,
        _overflow
    FROM src
),
n AS (
    SELECT
        s.*,
        norm_email(email_raw) AS email,
        norm_phone(phone_raw) AS phone,
        COALESCE(full_name_raw, NULLIF(TRIM(CONCAT_WS(' ', first_name, last_name)), '')) AS full_name,
        parse_ts(starts_raw, $tz) AS starts_at,
        parse_ts(ends_raw, $tz)   AS ends_at,
        COALESCE(
            (SELECT m.value FROM status_map m
              WHERE m.word = norm_words(status_raw)),
            CASE WHEN NOT $has_status THEN 'attended' END
        ) AS status_mapped,
        (SELECT m.value FROM attended_map m
          WHERE m.word = norm_words(attended_raw)) AS attended_flag,
        COALESCE(TRY_CAST(hours_raw AS DOUBLE), TRY_CAST(REPLACE(hours_raw, ',', '.') AS DOUBLE)) AS hours
    FROM s
),
v AS (
    SELECT
        n.*,
        CASE
            WHEN status_mapped = 'cancelled' THEN 'cancelled'
            WHEN attended_flag IS NOT NULL THEN attended_flag
            WHEN status_mapped = 'registered' AND $registered_as_attended THEN 'attended'
            ELSE status_mapped
        END AS status_final,
        CASE
            WHEN email IS NULL AND phone IS NULL AND external_id IS NULL AND full_name IS NULL
                THEN CASE WHEN email_raw IS NOT NULL
                          THEN 'invalid email ''' || email_raw || ''' and no phone, id or name'
                          ELSE 'no email, phone, person id or name' END
            WHEN title_raw IS NULL AND event_id IS NULL THEN 'no event name or id'
            WHEN starts_raw IS NULL THEN 'no date'
            WHEN starts_at IS NULL THEN 'unparseable date ''' || starts_raw || ''''
            WHEN starts_at < TIMESTAMP '1990-01-01' OR starts_at > $max_date
                THEN 'implausible date ''' || starts_raw || ''' (before 1990 or more than 5 years ahead)'
            WHEN ends_raw IS NOT NULL AND ends_at IS NULL THEN 'unparseable end date ''' || ends_raw || ''''
            -- the source's status table rejects a value with its reason ('reject:<reason>')
            WHEN status_mapped LIKE 'reject:%' THEN SUBSTRING(status_mapped, 8)
            WHEN $has_status AND status_raw IS NULL AND attended_flag IS NULL THEN 'blank status'
            WHEN $has_status AND status_mapped IS NULL AND attended_flag IS NULL
                THEN 'unknown status ''' || status_raw || ''''
            WHEN attended_raw IS NOT NULL AND attended_flag IS NULL
                THEN 'unknown attended value ''' || attended_raw || ''''
            WHEN hours_raw IS NOT NULL AND hours IS NULL THEN 'hours ''' || hours_raw || ''' is not a number'
            WHEN hours < 0 OR hours > 24 THEN 'hours ' || hours_raw || ' out of range (0 to 24 per participation)'
            WHEN _overflow THEN 'more cells than header columns (check the delimiter and quoting)'
        END AS reason
    FROM n
)
SELECT
    _line AS line_no, _raw AS raw, reason,
    $source AS source, email, phone, external_id, first_name, last_name, full_name,
    CASE WHEN event_id IS NOT NULL THEN 'id:' || event_id
         ELSE 'at:' || STRFTIME(starts_at, '%Y-%m-%d %H:%M') || '|' || LOWER(title_raw) END AS event_key,
    COALESCE(title_raw, event_type, 'Event ' || event_id) AS title,
    event_type,
    COALESCE(program_raw, 'Unassigned') AS program,
    starts_at, ends_at,
    status_final AS status,
    COALESCE(LOWER(role_raw), 'attendee') AS role,
    hours
FROM v
