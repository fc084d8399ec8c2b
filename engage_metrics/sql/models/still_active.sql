-- id: still_active
-- label: Chance of coming back within 90 days
-- unit: ratio
-- room: participation
-- params: asof
-- definition: For each person who attended in the year before a date D, the chance (0–1) that
--   they attend again in [D, D + 90 days), from a survival model of the gaps between attendances
--   (a Cox proportional-hazards model, scikit-survival, lightly regularized): every gap between
--   two consecutive attended dates before D is a duration that ended in a return, and each
--   person's time since their last attendance is one still open (censored at D). A person whose
--   last attendance was e days before D has gone at least e days without coming; the chance is
--   1 − S(e + 89) ÷ S(e − 1), S being their survival curve (the chance a gap lasts longer). The
--   reasons name the features that most raised or lowered their chance against the average gap.
-- features: known on the day the gap began (their last attendance): attended dates so far; their
--   usual gap (days from first to that date ÷ the gaps between, 0 with one date) and the last gap;
--   days since their first attendance; attended dates in the 365 days up to then; their rung then.
-- backtest: the same model trained on the gaps before D − 90 days, scoring the people who attended
--   in the year before that date, compared with who came back in the 90 days after it. Shown: the
--   Brier score against the base rate (the share who came back in the 90 days before the cut, of
--   those active in the year before that), and a calibration chart by tenths of the chance.
-- fallback: with fewer than 50 people scored in the backtest, fewer than 10 who came back or who
--   did not, fewer than 100 finished gaps to learn from, or a backtest Brier score no better than
--   the base rate's, no chance is shown: the rule list "Slipping regulars" stands in its place.
-- formula: chance = 1 - S(e + 89 | x) / S(e - 1 | x), S(t | x) = S0(t) ^ exp(sum b_j * x_j)
--
-- One row per attended date of each person before $asof: the gap that began that day (to the
-- next attended date, or still open at $asof), with what was known that day. Attendances on or
-- after $asof are never read.
WITH dates AS (
    SELECT p.person_id, e.event_date, MAX(p.rung) AS rung,
           -- the date as a day number: every window below orders by it, so one sort serves
           -- them all (a range of days on a date would sort again, on a timestamp)
           date_diff('day', DATE '2000-01-01', e.event_date) AS day_no
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
    WHERE p.status = 'attended' AND e.event_date < CAST($asof AS DATE)
    GROUP BY p.person_id, e.event_date
),
ordered AS (
    SELECT person_id, event_date,
           ROW_NUMBER() OVER w AS dates_so_far,
           MIN(event_date) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
               AS first_date,
           LAG(event_date) OVER w AS previous_date,
           LEAD(event_date) OVER w AS next_date,
           MAX(rung) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS rung,
           COUNT(*) OVER (w RANGE BETWEEN 364 PRECEDING AND CURRENT ROW) AS last_year
    FROM dates
    WINDOW w AS (PARTITION BY person_id ORDER BY day_no)
)
SELECT person_id, event_date AS began, dates_so_far,
       date_diff('day', first_date, event_date) AS tenure_days,
       CASE WHEN dates_so_far > 1
            THEN date_diff('day', first_date, event_date) / (dates_so_far - 1.0)
            ELSE 0 END AS usual_gap,
       COALESCE(date_diff('day', previous_date, event_date), 0) AS last_gap,
       last_year, rung,
       date_diff('day', event_date, COALESCE(next_date, CAST($asof AS DATE))) AS duration,
       next_date IS NOT NULL AS returned
FROM ordered
