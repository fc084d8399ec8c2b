-- Dates and times (docs/importing/dates.md). Text -> local TIMESTAMP of the organization.
-- Values with a UTC offset ("2024-03-09 23:30:00+00", "2024-03-09T19:00:00-05:00", "...Z")
-- or a zone after the time ("10:00 AM EST", "18:00 America/Chicago") are converted to the
-- organization's time zone `tz`; values without a zone are taken as local. `ord` is the
-- file's order of numeric dates: 'mdy' (3/9/2024 = March 9), 'dmy' (9/3/2024 = March 9)
-- or 'ymd'; a four-digit first field is always a year. Month names, weekdays, 12 h and 24 h
-- times, noon and midnight, two-digit years (00-68 -> 20xx, 69-99 -> 19xx) and Excel serial
-- numbers are read.
--
-- DuckDB pastes a macro's argument into its body wherever the parameter appears, so a macro
-- that uses its parameter many times, called with another macro's result, multiplies the
-- expression (parse_ts took 0.3 s to bind in every query that used it). Such macros bind
-- their argument once: `list_transform([p_arg], lambda p: <body>)[1]`.

-- "noon" and "midnight" at the end of a lower-case text, alone or after 12 ("12 noon",
-- "12:00 noon", "12 midnight"), as the clock times they name: 12:00 pm and 12:00 am.
-- Midnight is 00:00 of the date it is written with (docs/importing/dates.md).
CREATE OR REPLACE TEMP MACRO ts_noon(c) AS CASE
    WHEN ends_with(c, 'noon') THEN regexp_replace(c, '(^|[\s,])(12(:00(:00)?)?\s*)?noon$', '\112:00 pm')
    WHEN ends_with(c, 'midnight')
        THEN regexp_replace(c, '(^|[\s,])(12(:00(:00)?)?\s*)?midnight$', '\112:00 am')
    ELSE c END;

-- A time of day at the end of a text: hour, minutes, seconds (with a fraction), a/p.
-- Only a time when it has minutes or am/pm ("2024" or "24" alone is not a time).
CREATE OR REPLACE TEMP MACRO ts_time_parts(c) AS regexp_extract(
    c, '(?:^|\s)(\d{1,2})(?::(\d{2}))?(?::(\d{2}(?:\.\d+)?))?\s*(?:([ap])\.?m\.?)?$',
    ['h', 'mi', 's', 'ap']);
CREATE OR REPLACE TEMP MACRO ts_has_time(p) AS p.h <> '' AND (p.mi <> '' OR p.ap <> '');
-- 'HH:MM:SS[.f]' of the parts (NULL when an am/pm hour is not 1-12)
CREATE OR REPLACE TEMP MACRO ts_clock(p_arg) AS list_transform([p_arg], lambda p: printf('%02d:%s:%s',
    CASE WHEN p.ap = '' THEN CAST(p.h AS INTEGER)
         WHEN CAST(p.h AS INTEGER) NOT BETWEEN 1 AND 12 THEN NULL
         WHEN p.ap = 'a' THEN CAST(p.h AS INTEGER) % 12
         ELSE CAST(p.h AS INTEGER) % 12 + 12 END,
    CASE WHEN p.mi = '' THEN '00' ELSE p.mi END, CASE WHEN p.s = '' THEN '00' ELSE p.s END))[1];
-- A cell that is only a time of day ("10:00 AM", "18:30", "9am", Excel's "10:00:00", "noon",
-- "midnight"), or Excel's fraction of a day (0.75 = 18:00): a TIME, else NULL. Never a date.
CREATE OR REPLACE TEMP MACRO ts_is_time(x) AS
    regexp_matches(ts_noon(lower(trim(x))), '^\d{1,2}(:\d{2}(:\d{2}(\.\d+)?)?\s*([ap]\.?m\.?)?|\s*[ap]\.?m\.?)$');
CREATE OR REPLACE TEMP MACRO ts_time_of_day(x) AS CASE
    WHEN ts_is_time(x) THEN TRY_CAST(ts_clock(ts_time_parts(ts_noon(lower(trim(x))))) AS TIME)
    WHEN regexp_matches(trim(x), '^0?\.\d+$')
        THEN TIME '00:00:00' + to_seconds(CAST(round(CAST(trim(x) AS DOUBLE) * 86400) AS BIGINT))
END;
-- The time zone written after a time: a known abbreviation (a fixed offset, or a zone
-- that follows daylight saving for the generic ET, CT, MT, PT) or a zone name such as
-- America/Chicago. Ambiguous abbreviations (IST, …) are not in the table: such a date is
-- unparseable, never guessed. CST is US Central, BST British Summer Time.
CREATE OR REPLACE TEMP MACRO ts_zone_word(x) AS
    regexp_extract(x, '\s\(?([A-Za-z]{1,5}|[A-Za-z]+/[A-Za-z_]+(?:/[A-Za-z_]+)?)\)?$', 1);
CREATE OR REPLACE TEMP MACRO ts_has_zone(x) AS
    ts_zone_word(x) <> '' AND upper(ts_zone_word(x)) NOT IN ('AM', 'PM', 'A', 'P', 'NOON');
CREATE OR REPLACE TEMP MACRO ts_zone(w) AS CASE upper(w)
    WHEN 'Z' THEN '+00:00' WHEN 'UTC' THEN '+00:00' WHEN 'GMT' THEN '+00:00'
    WHEN 'EST' THEN '-05:00' WHEN 'EDT' THEN '-04:00'
    WHEN 'CST' THEN '-06:00' WHEN 'CDT' THEN '-05:00'
    WHEN 'MST' THEN '-07:00' WHEN 'MDT' THEN '-06:00'
    WHEN 'PST' THEN '-08:00' WHEN 'PDT' THEN '-07:00'
    WHEN 'AKST' THEN '-09:00' WHEN 'AKDT' THEN '-08:00' WHEN 'HST' THEN '-10:00'
    WHEN 'ET' THEN ' America/New_York' WHEN 'CT' THEN ' America/Chicago'
    WHEN 'MT' THEN ' America/Denver' WHEN 'PT' THEN ' America/Los_Angeles'
    WHEN 'BST' THEN '+01:00' WHEN 'WET' THEN '+00:00' WHEN 'WEST' THEN '+01:00'
    WHEN 'CET' THEN '+01:00' WHEN 'CEST' THEN '+02:00'
    WHEN 'EET' THEN '+02:00' WHEN 'EEST' THEN '+03:00'
    ELSE CASE WHEN contains(w, '/') THEN ' ' || w END
END;
-- Lower case, no weekday, commas or "at", a space between date and time, single spaces,
-- noon and midnight as clock times.
CREATE OR REPLACE TEMP MACRO ts_clean(x) AS trim(regexp_replace(regexp_replace(regexp_replace(
    regexp_replace(ts_noon(lower(x)), '^(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+', ''),
    '(\d)t(\d)', '\1 \2'), ',|\s+at\s+', ' ', 'g'), '\s+', ' ', 'g'));
CREATE OR REPLACE TEMP MACRO ts_year(y) AS CASE
    WHEN length(y) = 4 THEN CAST(y AS INTEGER)
    WHEN length(y) = 2 THEN CAST(y AS INTEGER) + CASE WHEN CAST(y AS INTEGER) < 69 THEN 2000 ELSE 1900 END
END;
CREATE OR REPLACE TEMP MACRO ts_month(w) AS CASE
    WHEN length(w) >= 3 AND (starts_with(['january', 'february', 'march', 'april', 'may', 'june',
            'july', 'august', 'september', 'october', 'november', 'december'][
            list_position(['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct',
                           'nov', 'dec'], left(w, 3))], w) OR w = 'sept')
        THEN list_position(['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct',
                            'nov', 'dec'], left(w, 3))
END;
CREATE OR REPLACE TEMP MACRO ts_ymd(y, m, d) AS
    printf('%04d-%02d-%02d', ts_year(y), CAST(m AS INTEGER), CAST(d AS INTEGER));
-- A numeric date's fields (a/b/c) in the file's order.
CREATE OR REPLACE TEMP MACRO ts_num_date(p_arg, ord) AS list_transform([p_arg], lambda p: CASE
    WHEN length(p.a) = 4 THEN ts_ymd(p.a, p.b, p.c)
    WHEN length(p.c) NOT IN (2, 4) THEN NULL
    WHEN ord = 'dmy' THEN ts_ymd(p.c, p.b, p.a)
    WHEN ord = 'ymd' THEN ts_ymd(p.a, p.b, p.c)
    ELSE ts_ymd(p.c, p.a, p.b)
END)[1];
-- The date part (no time) as 'YYYY-MM-DD', NULL when it is no date.
CREATE OR REPLACE TEMP MACRO ts_date_text(d_arg, ord) AS list_transform([d_arg], lambda d: CASE
    WHEN regexp_matches(d, '^\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}$')
        THEN ts_num_date(regexp_extract(d, '^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})$',
                                        ['a', 'b', 'c']), ord)
    WHEN regexp_matches(d, '^[a-z]{3,9}\.?[ /\-]?\d{1,2}(st|nd|rd|th)?[ /\-]\d{2}(\d{2})?$')
        THEN ts_ymd(regexp_extract(d, '(\d+)$', 1),
                    ts_month(regexp_extract(d, '^([a-z]+)', 1)),
                    regexp_extract(d, '^[a-z]+\.?[ /\-]?(\d{1,2})', 1))
    WHEN regexp_matches(d, '^\d{1,2}(st|nd|rd|th)?[ /\-]?[a-z]{3,9}\.?[ /\-]\d{2}(\d{2})?$')
        THEN ts_ymd(regexp_extract(d, '(\d+)$', 1),
                    ts_month(regexp_extract(d, '^\d{1,2}(?:st|nd|rd|th)?[ /\-]?([a-z]+)', 1)),
                    regexp_extract(d, '^(\d{1,2})', 1))
    WHEN regexp_matches(d, '^\d{4}[ /\-][a-z]{3,9}\.?[ /\-]\d{1,2}$')
        THEN ts_ymd(regexp_extract(d, '^(\d{4})', 1),
                    ts_month(regexp_extract(d, '^\d{4}[ /\-]([a-z]+)', 1)),
                    regexp_extract(d, '(\d{1,2})$', 1))
END)[1];
-- 'YYYY-MM-DD HH:MM:SS' of a cleaned text without zone, NULL when it is no date.
CREATE OR REPLACE TEMP MACRO ts_text(c_arg, ord) AS list_transform([c_arg], lambda c: CASE
    WHEN ts_has_time(ts_time_parts(c))
        THEN ts_date_text(trim(regexp_replace(c, '(?:^|\s)\d{1,2}(?::\d{2})?(?::\d{2}(?:\.\d+)?)?\s*(?:[ap]\.?m\.?)?$', '')), ord)
             || ' ' || ts_clock(ts_time_parts(c))
    ELSE ts_date_text(c, ord)
END)[1];
-- Excel's serial day numbers (45337 = 2024-02-15, 45337.75 = 18:00 that day).
CREATE OR REPLACE TEMP MACRO ts_is_serial(x) AS
    regexp_matches(x, '^\d{5}(\.\d+)?$') AND CAST(x AS DOUBLE) BETWEEN 20000 AND 80000;
CREATE OR REPLACE TEMP MACRO ts_serial(x) AS
    TIMESTAMP '1899-12-30' + to_seconds(CAST(round(CAST(x AS DOUBLE) * 86400) AS BIGINT));
CREATE OR REPLACE TEMP MACRO parse_ts(x, tz, ord) AS CASE
    WHEN x IS NULL THEN NULL
    WHEN regexp_matches(x, '^\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)$')
        THEN timezone(tz, TRY_CAST(x AS TIMESTAMPTZ))
    WHEN ts_has_zone(x)
        THEN timezone(tz, TRY_CAST(
            ts_text(ts_clean(regexp_replace(x, '\s\(?[A-Za-z/_]+\)?$', '')), ord)
            || ts_zone(ts_zone_word(x)) AS TIMESTAMPTZ))
    WHEN ts_is_serial(x) THEN ts_serial(x)
    -- DuckDB's own cast reads an ISO date and 24 h time, but ignores words after the time
    -- ("2024-03-09 9:00 PM" would be 09:00): a value with letters (but the T) is ours
    ELSE COALESCE(
        CASE WHEN regexp_matches(x, '^\d{4}-\d{1,2}-\d{1,2}')
                  AND NOT regexp_matches(x, '[A-SU-Za-su-z]') THEN TRY_CAST(x AS TIMESTAMP) END,
        TRY_CAST(ts_text(ts_clean(x), ord) AS TIMESTAMP))
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
-- A workbook's formula cells without a saved value (saved without calculating them; the
-- reader gives each row `_unsaved`, the mapped columns of such cells joined by chr(31), and
-- `_lost`, their fields as ' email full_name '): unsaved_lost says whether one of *fields*
-- is among them, unsaved_reason is the rejection reason of a row that lacks a required
-- value because of one.
CREATE OR REPLACE TEMP MACRO unsaved_lost(lost, fields) AS
    COALESCE(list_has_any(string_split(trim(lost), ' '), fields), false);
CREATE OR REPLACE TEMP MACRO unsaved_reason(cols) AS
    'formula without a saved value in ''' || replace(cols, chr(31), ''', ''') || ''': open '
    || 'the file in Excel or LibreOffice and save it (that stores the values), then import '
    || 'it again';

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
-- Bare numbers per hour in the unit a column's header states ("Duration (minutes)": 60).
CREATE OR REPLACE TEMP MACRO hours_per(unit) AS
    CASE unit WHEN 'minutes' THEN 60 WHEN 'seconds' THEN 3600 ELSE 1 END;
-- Text -> hours (DOUBLE), NULL when the value is not hours in any form. A bare number is in
-- the column's `unit` ('hours', 'minutes' or 'seconds', from its header); a value with its
-- own unit (2.5 hrs, 90 min, 2:30) keeps it.
CREATE OR REPLACE TEMP MACRO parse_hours(x, dc, unit := 'hours') AS CASE hours_form(x)
    WHEN 'number' THEN hours_number(x, dc) / hours_per(unit)
    WHEN 'h:mm' THEN CAST(split_part(x, ':', 1) AS DOUBLE) + CAST(split_part(x, ':', 2) AS DOUBLE) / 60
                     + COALESCE(TRY_CAST(NULLIF(split_part(x, ':', 3), '') AS DOUBLE), 0) / 3600
    WHEN 'h+m' THEN CAST(regexp_extract(x, '^\d+') AS DOUBLE)
                    + CAST(regexp_extract(lower(x), '(\d+)\s*(m|mins?|minutes?)?\.?$', 1) AS DOUBLE) / 60
    WHEN 'h' THEN hours_number(regexp_extract(x, '^[\d.,]+'), dc)
    WHEN 'min' THEN hours_number(regexp_extract(x, '^[\d.,]+'), dc) / 60
END;
-- A time of day without a date ("9:00 AM", "9am", "17:30", "09:00:00", "12.30", "noon",
-- "midnight"), NULL otherwise.
CREATE OR REPLACE TEMP MACRO parse_clock(x) AS CAST(TRY_STRPTIME(
    regexp_replace(regexp_replace(upper(ts_noon(lower(trim(x)))), '\s*([AP])\.?M\.?$', ' \1M'),
                   -- a dot between hours and minutes, as British sheets write it ("12.30")
                   '^(\d{1,2})\.([0-5]\d)( [AP]M)?$', '\1:\2\3'),
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
          'attendee', 'participant', 'name',
          -- the device or the line a meeting tool shows when nobody typed a name
          'iphone', 'ipad', 'android', 'android phone', 'galaxy', 'samsung', 'pixel',
          'zoom user', 'call in user', 'caller', 'unknown caller', 'phone', 'mobile');
CREATE OR REPLACE TEMP MACRO placeholder_name_text(v) AS
    placeholder_name_words(v)
    -- "Sarah's iPhone", "Galaxy S21": a device, not a person
    OR regexp_matches(v, '^([a-z]+ s )?(iphone|ipad|android|galaxy|pixel)'
                         '( [a-z]*[0-9][a-z0-9]*| pro| max| plus| ultra| xl| mini| se| note)*$')
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
