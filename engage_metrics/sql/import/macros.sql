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
