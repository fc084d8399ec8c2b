-- id: people_at_rung
-- label: Active people at rung N or higher
-- unit: count
-- room: ladder
-- shape: scalar
-- params: start, end, programs, rung
-- definition: People active in the window (at least one attended participation in the selected
--   programs) whose rung at the window's end is N or higher (rung = the highest rung they
--   attended before the end, in any program). N is a parameter from 2 to 5, the target
--   "people at rung ≥ N" (4: Owning or Leading); rung 1 would be every active person.
-- formula: COUNT(person active in the window WHERE first attended date at rung >= N < end)
SELECT COUNT(*) AS value
FROM window_person   -- window facts of [start, end), selected programs (sql/facts)
WHERE attended > 0
  AND CASE CAST($rung AS INTEGER)
          WHEN 1 THEN first_attended
          WHEN 2 THEN reach_2
          WHEN 3 THEN reach_3
          WHEN 4 THEN reach_4
          WHEN 5 THEN reach_5
      END < CAST($end AS DATE)
