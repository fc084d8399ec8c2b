-- Normalize an ask file (temp table `src`): who was asked, when, what, the rung
-- of the ask and the outcome. The rung is the file's rung (1-5) or, when absent,
-- the rung of the longest ladder role keyword in the ask text ("Host a house
-- meeting" -> host -> 4), else 3 for a task keyword, 2 for another classified
-- keyword. Bound parameters: $source, $tz, $date_order, $max_date. Temp table
-- outcome_map(word, value).
WITH n AS (
    SELECT
        _line, _raw, _overflow, _unsaved, _lost,
        tidy(email) AS email_raw,
        norm_email(email) AS email,
        norm_phone(phone) AS phone,
        tidy(external_id) AS external_id,
        tidy(first_name) AS first_name,
        tidy(last_name) AS last_name,
        COALESCE(tidy(full_name),
                 tidy(CONCAT_WS(' ', tidy(first_name), tidy(last_name)))) AS full_name,
        tidy(asked_at) AS asked_raw,
        parse_ts(tidy(asked_at), $tz, $date_order) AS asked_at,
        tidy(ask) AS ask,
        tidy(rung) AS rung_raw,
        TRY_CAST(TRY_CAST(tidy(rung) AS DOUBLE) AS INTEGER) AS rung_given,
        tidy(outcome) AS outcome_raw,
        COALESCE((SELECT o.value FROM outcome_map o WHERE o.word = norm_words(src.outcome)),
                 CASE WHEN tidy(outcome) IS NULL THEN 'no_response' END) AS outcome,
        tidy(asked_by) AS asked_by,
        ' ' || norm_words(COALESCE(ask, '')) || ' ' AS ask_words
    FROM src
),
matches AS (
    SELECT n._line, l.rung, 1 AS pri, LENGTH(l.keyword) AS len
    FROM n JOIN ladder l ON l.kind = 'role' AND POSITION(' ' || l.keyword IN n.ask_words) > 0
    UNION ALL
    SELECT n._line, CASE c.mode WHEN 'task' THEN 3 ELSE 2 END, 2, LENGTH(c.keyword)
    FROM n JOIN classification c ON POSITION(' ' || c.keyword IN n.ask_words) > 0
),
by_text AS (
    SELECT n._line, arg_min(m.rung, m.pri * 1000000 - m.len * 10 - m.rung) AS rung_from_text
    FROM n LEFT JOIN matches m ON m._line = n._line
    GROUP BY n._line
)
SELECT
    n._line AS line_no, n._raw AS raw,
    CASE
        -- a required value lost to a formula cell without a saved value
        WHEN (email IS NULL AND phone IS NULL AND external_id IS NULL AND full_name IS NULL
              AND unsaved_lost(_lost, ['email', 'phone', 'external_id', 'first_name', 'last_name', 'full_name']))
             OR (asked_raw IS NULL AND unsaved_lost(_lost, ['asked_at']))
             OR (rung_given IS NULL AND rung_from_text IS NULL
                 AND unsaved_lost(_lost, ['rung', 'ask']))
            THEN unsaved_reason(_unsaved)
        WHEN email IS NULL AND phone IS NULL AND external_id IS NULL AND full_name IS NULL
            THEN 'no email, phone, person id or name'
        WHEN asked_raw IS NULL THEN 'no date'
        WHEN asked_at IS NULL THEN 'unparseable date ''' || asked_raw || ''''
        WHEN asked_at < TIMESTAMP '1990-01-01' OR asked_at > $max_date
            THEN 'implausible date ''' || asked_raw || ''''
        WHEN rung_raw IS NOT NULL AND (rung_given IS NULL OR rung_given NOT BETWEEN 1 AND 5)
            THEN 'rung ''' || rung_raw || ''' is not a number from 1 to 5'
        WHEN rung_given IS NULL AND rung_from_text IS NULL
            THEN CASE WHEN ask IS NULL THEN 'no rung and no ask text'
                      ELSE 'no rung, and the ask text ''' || ask || ''' names no known role or event type' END
        WHEN outcome IS NULL THEN 'unknown outcome ''' || outcome_raw || ''''
        WHEN _overflow THEN 'more cells than header columns (check the delimiter and quoting)'
    END AS reason,
    $source AS source, email, phone, external_id, first_name, last_name, full_name,
    asked_at, ask, COALESCE(rung_given, rung_from_text) AS rung, outcome, asked_by
FROM n JOIN by_text b ON b._line = n._line
