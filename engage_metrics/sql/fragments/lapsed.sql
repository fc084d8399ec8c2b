-- args: last, asof
-- The lapse rule: someone whose latest attendance is on the date `last` has lapsed at the
-- date `asof` when that is the lapse threshold ($lapse_days, a setting) or more days
-- before it; NOT lapsed: attended less than the threshold before asof. Include it as
-- {{ lapsed(pp.last_attended, CAST($end AS DATE)) }}.
(date_diff('day', {{ last }}, {{ asof }}) >= $lapse_days)
