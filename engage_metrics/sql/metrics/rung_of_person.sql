-- id: rung_of_person
-- label: Rung of each person
-- unit: table
-- room: ladder
-- shape: table
-- params: asof
-- definition: Each person's ladder rung on a date: the highest rung of their attended
--   participations before it; 1 (Following) when they have participations before it but
--   attended none. People with no participation before the date are not on the ladder yet.
-- formula: rung = COALESCE(MAX(rung) FILTER (attended), 1) over participations with event date < asof
SELECT p.person_id,
       COALESCE(MAX(p.rung) FILTER (WHERE p.status = 'attended'), 1) AS rung
FROM participation p
JOIN event e ON e.event_id = p.event_id
WHERE e.event_date < CAST($asof AS DATE)
GROUP BY p.person_id
ORDER BY p.person_id
