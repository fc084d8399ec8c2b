-- args: last, asof
-- The lapse rule: someone whose latest attendance is on the date `last` has lapsed at the
-- date `asof` when that is 180 days or more before it; NOT lapsed: attended less than
-- that before asof. Include it as {{ lapsed(pp.last_attended, CAST($end AS DATE)) }}.
(date_diff('day', {{ last }}, {{ asof }}) >= 180)
