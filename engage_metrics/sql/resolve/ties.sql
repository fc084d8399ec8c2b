-- Co-attendance kept for the depth score's ties part (schema: tie_step). Ties at a date D
-- count the people who attended >= 2 of the same event occurrences as the person in the last
-- $lookback_days before D; for a pair with shared attended occurrences on dates c1 <= c2 <=
-- ... (in date order), that holds exactly when some consecutive two c(i), c(i+1) have
-- c(i+1) < D and D - c(i) <= lookback (the two most recent before D are consecutive). So
-- every pair with >= 2 shared occurrences keeps one row per consecutive two, in both
-- directions, and depth.sql counts the others with such a row at D: a join on one person's
-- rows instead of grouping every pair of co-attendees again at every date. No setting is in
-- it (the lookback is applied when it is read), so settings changes leave it alone.
--
-- For the people of temp table tie_person (resolve.refresh_ties: whose participations
-- changed; or everyone: $full): their rows, in both directions, are written again.
DELETE FROM tie_step
WHERE $full OR person_id IN (SELECT person_id FROM tie_person)
   OR other_id IN (SELECT person_id FROM tie_person);

INSERT INTO tie_step (person_id, other_id, prev_date, date)
WITH mine AS (       -- attended occurrences of the people written again
    SELECT p.person_id, p.event_id, e.event_date
    FROM participation p
    JOIN event e ON e.event_id = p.event_id
    WHERE p.status = 'attended'
      AND ($full OR p.person_id IN (SELECT person_id FROM tie_person))
),
co AS (              -- every attendee of those occurrences
    SELECT p.person_id, p.event_id
    FROM participation p
    WHERE p.status = 'attended'
      AND ($full OR p.event_id IN (SELECT event_id FROM mine))
),
pairs AS (           -- pairs with >= 2 shared occurrences, each once: a < b unless only a is
                     -- written again
    SELECT m.person_id AS a, o.person_id AS b
    FROM mine m
    JOIN co o ON o.event_id = m.event_id AND o.person_id <> m.person_id
    WHERE m.person_id < o.person_id
       OR NOT ($full OR o.person_id IN (SELECT person_id FROM tie_person))
    GROUP BY m.person_id, o.person_id
    HAVING COUNT(*) >= 2
),
steps AS (           -- their shared occurrences' dates, each with the one before
    SELECT pr.a, pr.b, m.event_date AS date,
           LAG(m.event_date) OVER (PARTITION BY pr.a, pr.b ORDER BY m.event_date) AS prev_date
    FROM pairs pr
    JOIN mine m ON m.person_id = pr.a
    JOIN co o ON o.person_id = pr.b AND o.event_id = m.event_id
)
SELECT a, b, prev_date, date FROM steps WHERE prev_date IS NOT NULL
UNION ALL
SELECT b, a, prev_date, date FROM steps WHERE prev_date IS NOT NULL;
