-- id: depth
-- label: Relationship depth
-- unit: table
-- room: depth
-- shape: table
-- params: asof, w_tenure, w_frequency, w_recency, w_breadth, w_ties, w_touches, tenure_days,
--   frequency_count, recency_days, breadth_types, ties_people, touches_count, lookback_days,
--   tier_acquainted, tier_connected, tier_committed, tier_core
-- definition: Relationship depth (0–100) of every person who attended anything before the date D,
--   from their attended participations before D in all programs; "the last 365 days" = [D − 365,
--   D). Six parts, each clipped to [0, 1]: tenure = days since first attendance ÷ 730; frequency =
--   attended participations in the last 365 days ÷ 12; recency = 1 − days since last attendance ÷
--   365; breadth = distinct event types attended in the last 365 days ÷ 4; ties = distinct people
--   who attended at least 2 of the same event occurrences as the person in the last 365 days ÷ 10;
--   touches = relationship-mode participations in the last 365 days (mixed counting 0.5) ÷ 4.
--   Score = 100 × weighted sum of the parts. Tiers: below 20 New, below 40 Acquainted, below 60
--   Connected, below 80 Committed, else Core. Weights, divisors and tier bounds are settings.
-- formula: score = 100 * (0.15 tenure + 0.25 frequency + 0.15 recency + 0.10 breadth + 0.20 ties + 0.15 touches)
WITH depth_target AS (   -- (person, as-of date D) pairs to score: everyone who attended before $asof
    SELECT person_id, CAST($asof AS DATE) AS d
    FROM person_fact
    WHERE first_attended < CAST($asof AS DATE)
),
-- depth formula begin: the one definition of the depth score, shared by every depth-based
-- metric (engage_metrics.metrics composes it over other (person, D) pairs). Reads depth_target,
-- person_fact (first attendance) and tie_step (co-attendance, for ties). Only the last
-- max(lookback, recency) days before D matter beyond tenure: an older last attendance gives
-- recency <= 0, clipped to 0.
depth_events AS (    -- events in the days any target can look back on
    SELECT e.event_id, e.event_date, e.event_type, e.touch_weight
    FROM event e
    WHERE e.event_date < (SELECT MAX(d) FROM depth_target)
      AND e.event_date >= (SELECT MIN(d) FROM depth_target)
                          - CAST(GREATEST($lookback_days, $recency_days) AS INTEGER)
),
depth_history AS (   -- attended participations in those days before D, flagged when in the last 365
    SELECT t.person_id, t.d, e.event_id, e.event_date, e.event_type, e.touch_weight,
           date_diff('day', e.event_date, t.d) <= $lookback_days AS recent
    FROM depth_target t
    JOIN participation p ON p.person_id = t.person_id AND p.status = 'attended'
    JOIN depth_events e ON e.event_id = p.event_id AND e.event_date < t.d
     AND date_diff('day', e.event_date, t.d) <= GREATEST($lookback_days, $recency_days)
),
depth_ties AS (      -- distinct people met at >= 2 shared attended occurrences in the last 365 days:
    -- those with a step of two consecutive shared occurrences, the later before D and the
    -- earlier within the last 365 days (tie_step, kept by every import: sql/resolve/ties.sql)
    SELECT t.person_id, t.d, COUNT(DISTINCT s.other_id) AS ties_count
    FROM depth_target t
    JOIN tie_step s ON s.person_id = t.person_id AND s.date < t.d
     AND date_diff('day', s.prev_date, t.d) <= $lookback_days
    GROUP BY t.person_id, t.d
),
depth_raw AS (       -- every target who attended before D, with or without recent history
    SELECT t.person_id, t.d,
           date_diff('day', f.first_attended, t.d) / $tenure_days AS tenure,
           COUNT(h.event_id) FILTER (WHERE h.recent) / $frequency_count AS frequency,
           COALESCE(1 - date_diff('day', MAX(h.event_date), t.d) / $recency_days, 0) AS recency,
           COUNT(DISTINCT lower(CASE WHEN h.event_type LIKE ' %' OR h.event_type LIKE '% '
                                     THEN trim(h.event_type) ELSE h.event_type END))
               FILTER (WHERE h.recent) / $breadth_types AS breadth,
           COALESCE(SUM(h.touch_weight) FILTER (WHERE h.recent), 0) / $touches_count AS touches
    FROM depth_target t
    JOIN person_fact f ON f.person_id = t.person_id AND f.first_attended < t.d
    LEFT JOIN depth_history h ON h.person_id = t.person_id AND h.d = t.d
    GROUP BY t.person_id, t.d, f.first_attended
),
depth_parts AS (
    SELECT r.person_id, r.d,
           LEAST(GREATEST(r.tenure, 0), 1) AS tenure,
           LEAST(GREATEST(r.frequency, 0), 1) AS frequency,
           LEAST(GREATEST(r.recency, 0), 1) AS recency,
           LEAST(GREATEST(r.breadth, 0), 1) AS breadth,
           LEAST(GREATEST(COALESCE(t.ties_count, 0) / $ties_people, 0), 1) AS ties,
           LEAST(GREATEST(r.touches, 0), 1) AS touches,
           COALESCE(t.ties_count, 0) AS ties_count
    FROM depth_raw r
    LEFT JOIN depth_ties t ON t.person_id = r.person_id AND t.d = r.d
),
depth_scored AS (
    SELECT *,
           100 * ($w_tenure * tenure + $w_frequency * frequency + $w_recency * recency
                  + $w_breadth * breadth + $w_ties * ties + $w_touches * touches) AS score
    FROM depth_parts
),
depth_tiered AS (
    SELECT *,
           CASE WHEN score < $tier_acquainted THEN 'New'
                WHEN score < $tier_connected THEN 'Acquainted'
                WHEN score < $tier_committed THEN 'Connected'
                WHEN score < $tier_core THEN 'Committed'
                ELSE 'Core' END AS tier
    FROM depth_scored
)
-- depth formula end
SELECT person_id, tenure, frequency, recency, breadth, ties, touches, score, tier
FROM depth_tiered
ORDER BY person_id
