-- Text -> local TIMESTAMP. Values with a UTC offset ("2024-03-09 23:30:00+00",
-- "2024-03-09T19:00:00-05:00", "...Z") are converted to the organization's
-- time zone `tz`; naive values are taken as local. US month-first dates.
CREATE OR REPLACE TEMP MACRO parse_ts(x, tz) AS CASE
    WHEN x IS NULL THEN NULL
    WHEN regexp_matches(x, '^\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)$')
        THEN timezone(tz, TRY_CAST(x AS TIMESTAMPTZ))
    ELSE COALESCE(
        CASE WHEN regexp_matches(x, '^\d{4}-\d{1,2}-\d{1,2}') THEN TRY_CAST(x AS TIMESTAMP) END,
        TRY_STRPTIME(x, ['%m/%d/%y %I:%M %p', '%m/%d/%y %H:%M', '%m/%d/%y %H:%M:%S', '%m/%d/%y',
                         '%m/%d/%Y %I:%M %p', '%m/%d/%Y %I:%M:%S %p', '%m/%d/%Y %H:%M:%S',
                         '%m/%d/%Y %H:%M', '%m/%d/%Y', '%Y/%m/%d %H:%M:%S', '%Y/%m/%d %H:%M',
                         '%Y/%m/%d', '%m-%d-%Y', '%B %d, %Y', '%b %d, %Y', '%d %B %Y',
                         '%B %d, %Y %I:%M %p', '%b %d, %Y %I:%M %p']))
END;

-- Identity normalization (docs/data-model.md): email trimmed and lower-cased, phone digits
-- only, last 10. Invalid values become NULL (the row may still carry other ids).
CREATE OR REPLACE TEMP MACRO norm_email(x) AS CASE
    WHEN regexp_matches(LOWER(TRIM(x)), '^[^@\s]+@[^@\s]+\.[^@\s]+$') THEN LOWER(TRIM(x)) END;
CREATE OR REPLACE TEMP MACRO norm_phone(x) AS CASE
    WHEN LENGTH(regexp_replace(x, '[^0-9]', '', 'g')) >= 7
    THEN RIGHT(regexp_replace(x, '[^0-9]', '', 'g'), 10) END;
-- Words of a keyword or free text, for keyword matching and name comparison.
CREATE OR REPLACE TEMP MACRO norm_words(x) AS
    TRIM(regexp_replace(LOWER(strip_accents(x)), '[^a-z0-9]+', ' ', 'g'));
-- A cell without its surrounding spaces, NULL when empty. TRIM only where a space is at
-- either end: DuckDB's TRIM costs more than the rest of the import's normalization.
CREATE OR REPLACE TEMP MACRO tidy(x) AS
    NULLIF(CASE WHEN x LIKE ' %' OR x LIKE '% ' THEN TRIM(x) ELSE x END, '');

-- Hours as people write them (docs/importing/hours.md). hours_form names the form of a
-- value: 'number' (2.5, or 1,5 with a decimal comma), 'h:mm' (2:30, 2:30:00), 'h+m'
-- (2h30, 2h 30m, 2 hrs 30 mins), 'h' (2.5 hrs, 2.5 h, 3 hours), 'min' (90 min, 90 mins);
-- NULL when it is none of these.
CREATE OR REPLACE TEMP MACRO hours_form(x) AS CASE
    WHEN x IS NULL THEN NULL
    WHEN TRY_CAST(x AS DOUBLE) IS NOT NULL OR regexp_matches(x, '^\d*,\d+$') THEN 'number'
    WHEN regexp_matches(x, '^\d+:[0-5]\d(:[0-5]\d)?$') THEN 'h:mm'
    WHEN regexp_matches(lower(x), '^\d+\s*(h|hrs?|hours?)\.?\s*[0-5]?\d\s*(m|mins?|minutes?)?\.?$')
        THEN 'h+m'
    WHEN regexp_matches(lower(x), '^(\d+([.,]\d+)?|[.,]\d+)\s*(h|hrs?|hours?)\.?$') THEN 'h'
    WHEN regexp_matches(lower(x), '^(\d+([.,]\d+)?|[.,]\d+)\s*(m|mins?|minutes?)\.?$') THEN 'min'
END;
-- A number of the hours column: a comma is a decimal separator only when the column uses
-- decimal commas (`dc`, decided per column by the import), else the value is no number.
CREATE OR REPLACE TEMP MACRO hours_number(x, dc) AS
    TRY_CAST(CASE WHEN dc THEN REPLACE(x, ',', '.') ELSE x END AS DOUBLE);
-- Text -> hours (DOUBLE), NULL when the value is not hours in any form.
CREATE OR REPLACE TEMP MACRO parse_hours(x, dc) AS CASE hours_form(x)
    WHEN 'number' THEN hours_number(x, dc)
    WHEN 'h:mm' THEN CAST(split_part(x, ':', 1) AS DOUBLE) + CAST(split_part(x, ':', 2) AS DOUBLE) / 60
                     + COALESCE(TRY_CAST(NULLIF(split_part(x, ':', 3), '') AS DOUBLE), 0) / 3600
    WHEN 'h+m' THEN CAST(regexp_extract(x, '^\d+') AS DOUBLE)
                    + CAST(regexp_extract(lower(x), '(\d+)\s*(m|mins?|minutes?)?\.?$', 1) AS DOUBLE) / 60
    WHEN 'h' THEN hours_number(regexp_extract(x, '^[\d.,]+'), dc)
    WHEN 'min' THEN hours_number(regexp_extract(x, '^[\d.,]+'), dc) / 60
END;
-- A time of day without a date ("9:00 AM", "9am", "17:30", "09:00:00"), NULL otherwise.
CREATE OR REPLACE TEMP MACRO parse_clock(x) AS CAST(TRY_STRPTIME(
    regexp_replace(upper(x), '\s*([AP])\.?M\.?$', ' \1M'),
    ['%I:%M %p', '%I:%M:%S %p', '%I %p', '%H:%M', '%H:%M:%S']) AS TIME);

-- Placeholder identities (docs/importing/identity.md): values a form or a coordinator
-- types when the person's real one is unknown. They are never an identifier: a row
-- holding one is identified by what else it has (a real phone, an id, its name), and a
-- row with nothing else is its own weak person. The one list of them is here.
-- Emails (normalized): a placeholder local part at any domain, a placeholder domain, or a
-- whole placeholder address.
CREATE OR REPLACE TEMP MACRO placeholder_email(e) AS
    split_part(e, '@', 1) IN ('test', 'noemail', 'no.email', 'no-email', 'no_email', 'nomail',
                              'no', 'none', 'na', 'n/a', 'null', 'unknown', 'anonymous',
                              'guest', 'noreply', 'no-reply', 'donotreply', 'notprovided',
                              'not.provided', 'declined', 'refused', 'info.requested',
                              'inforequested', 'x', 'xx', 'xxx')
    OR split_part(e, '@', 2) IN ('test.com', 'noemail.com', 'noemail.org', 'nomail.com',
                                 'none.com', 'na.com', 'unknown.com', 'email.invalid')
    OR e IN ('no@email.com', 'none@email.com', 'email@email.com', 'a@a.com', 'x@x.com');
-- Phones (normalized digits): one digit repeated (000-000-0000, 555-555-5555,
-- 1111111111), or a counting run (123-456-7890).
CREATE OR REPLACE TEMP MACRO placeholder_phone(p) AS
    regexp_matches(p, '^(0+|1+|2+|3+|4+|5+|6+|7+|8+|9+)$')
    OR p IN ('1234567', '1234567890', '0123456789', '9876543210');
-- Names: words that stand for "no name" (Guest, Unknown, Info Requested, N/A …), also
-- doubled (first and last name both "Guest") or numbered ("Guest 3"), and empty names.
CREATE OR REPLACE TEMP MACRO placeholder_name_words(w) AS
    w IN ('', 'info requested', 'information requested', 'guest', 'unknown', 'anonymous',
          'anon', 'none', 'n a', 'na', 'null', 'test', 'tbd', 'walk in', 'walkin', 'no name',
          'not provided', 'first last', 'plus one', 'x', 'xx', 'xxx', 'volunteer',
          'attendee', 'participant', 'name');
CREATE OR REPLACE TEMP MACRO placeholder_name_text(v) AS
    placeholder_name_words(v)
    OR (v = LEFT(v, (LENGTH(v) - 1) // 2) || ' ' || LEFT(v, (LENGTH(v) - 1) // 2)
        AND placeholder_name_words(LEFT(v, (LENGTH(v) - 1) // 2)));
CREATE OR REPLACE TEMP MACRO placeholder_name(x) AS
    placeholder_name_text(regexp_replace(norm_words(x), '( [0-9]+)+$', ''));
-- A value in a name column that is a record id or an autonumber, not a name: only digits
-- and punctuation ("000123"), a short code and a number ("VH-000123", "ID 42"), or a
-- Salesforce record id (15 or 18 letters and digits, with digits).
CREATE OR REPLACE TEMP MACRO id_like_name(x) AS
    regexp_matches(x, '^[\s0-9.,#_/-]+$')
    OR regexp_matches(x, '^[A-Za-z]{1,5}\s?[-_#:]?\s?[0-9]{2,}$')
    OR (regexp_matches(x, '^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$') AND regexp_matches(x, '[0-9]'));
-- The number of different first names on one email or phone within one import from which
-- it is a shared address (a coordinator's own, typed for walk-ins), not a person's.
CREATE OR REPLACE TEMP MACRO shared_id_min_names() AS 3;
-- A name written "Last, First": one comma with name words (letters, spaces, hyphens,
-- apostrophes, periods) on both sides, and not a suffix after it ("King, Jr." is not
-- "Jr. King").
CREATE OR REPLACE TEMP MACRO last_first_name(x) AS
    regexp_matches(x, '^\pL[\pL\pM''’ .-]*,\s*\pL[\pL\pM''’ .-]*$')
    AND norm_words(split_part(x, ',', 2)) NOT IN ('jr', 'sr', 'ii', 'iii', 'iv', 'phd', 'md',
                                                  'esq', 'dds', 'rn', 'cpa');
