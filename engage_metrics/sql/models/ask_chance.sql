-- id: ask_chance
-- label: Chance of a yes to an ask
-- unit: ratio
-- room: ladder
-- params: asof
-- definition: The chance (0–1) that a person says yes to an ask for a given rung, as of a date D,
--   learned from the organization's own asks made before D (yes = 1; no and no response = 0) by a
--   regularized logistic regression (scikit-learn, L2, features standardized). Scored for everyone
--   who attended in the year before D, for each ask rung 2–5. The reasons name the features that
--   raised or lowered the chance most against the average person asked.
-- features: all known at the day of the ask (for a score, at D), from attended participations and
--   asks before that day: relationship depth and its six parts (tenure, frequency, recency,
--   breadth, ties, touches); the person's rung; stretch = rung asked − rung; days since their last
--   attendance (730 when none); asks made to them before and the share they said yes to (counted
--   as (yes + 1) ÷ (asks + 2), so a first ask is neither good nor bad news); the program they
--   attended most (a one-hot column per program).
-- backtest: the asks before D in date order; the model is trained on the first 70 % (those before
--   the cut date) and scores the rest. Shown: AUC (the chance a yes is ranked above a no), the
--   Brier score (mean squared error of the chance) against the Brier score of the base rate by
--   stretch (the acceptance rate of the training asks at the same stretch), and a calibration
--   chart (predicted against observed, by tenths of the chance).
-- fallback: with fewer than 150 asks before D, fewer than 40 asks after the cut, one outcome only
--   on either side of it, or a backtest AUC below 0.60, no chance is shown: the history is too
--   thin, and the rule list "Ready for a bigger ask" stands in its place.
-- formula: chance = 1 / (1 + exp(-(b0 + sum b_j * standardized feature_j)))
--
-- The features of the rows of ask_target (row_id, person_id, d, ask_rung): engage_metrics.predict
-- fills it (the asks before D for training; the people active in the year before D × rungs 2–5
-- for scoring) and predict_depth (depth.sql's formula at each (person_id, d)). Every fact is
-- filtered to before the row's own date d, so nothing after it can reach a feature.
WITH pairs AS (      -- each (person, day) once: a score has four rows per person, one per rung
    SELECT DISTINCT person_id, d FROM ask_target
),
attended AS (
    SELECT t.person_id, t.d, p.rung, e.event_date, e.program
    FROM pairs t
    JOIN participation p ON p.person_id = t.person_id AND p.status = 'attended'
    JOIN event e ON e.event_id = p.event_id AND e.event_date < t.d
),
history AS (
    SELECT person_id, d, MAX(rung) AS rung, MAX(event_date) AS last_attended
    FROM attended
    GROUP BY person_id, d
),
programs AS (
    SELECT person_id, d, program,
           ROW_NUMBER() OVER (PARTITION BY person_id, d
                              ORDER BY COUNT(*) DESC, MAX(event_date) DESC, program) AS position
    FROM attended
    GROUP BY person_id, d, program
),
past_asks AS (
    SELECT t.person_id, t.d, COUNT(*) AS asks, COUNT(*) FILTER (WHERE a.outcome = 'yes') AS yes
    FROM pairs t
    JOIN ask a ON a.person_id = t.person_id AND a.ask_date < t.d
    GROUP BY t.person_id, t.d
)
SELECT t.row_id, t.person_id, t.d, t.ask_rung,
       COALESCE(h.rung, 1) AS rung,
       t.ask_rung - COALESCE(h.rung, 1) AS stretch,
       COALESCE(dp.score, 0) AS depth,
       COALESCE(dp.tier, 'New') AS tier,
       COALESCE(dp.tenure, 0) AS tenure,
       COALESCE(dp.frequency, 0) AS frequency,
       COALESCE(dp.recency, 0) AS recency,
       COALESCE(dp.breadth, 0) AS breadth,
       COALESCE(dp.ties, 0) AS ties,
       COALESCE(dp.touches, 0) AS touches,
       LEAST(COALESCE(date_diff('day', h.last_attended, t.d), 730), 730) AS days_since,
       COALESCE(pa.asks, 0) AS past_asks,
       COALESCE(pa.yes, 0) AS past_yes,
       (COALESCE(pa.yes, 0) + 1.0) / (COALESCE(pa.asks, 0) + 2.0) AS yes_share,
       COALESCE(pr.program, '(none)') AS program
FROM ask_target t
LEFT JOIN history h ON h.person_id = t.person_id AND h.d = t.d
LEFT JOIN programs pr ON pr.person_id = t.person_id AND pr.d = t.d AND pr.position = 1
LEFT JOIN past_asks pa ON pa.person_id = t.person_id AND pa.d = t.d
LEFT JOIN predict_depth dp ON dp.person_id = t.person_id AND dp.d = t.d
ORDER BY t.row_id
