-- id: boardpack_form990_volunteers
-- label: Volunteers (Form 990)
-- unit: count
-- room: participation
-- shape: scalar
-- params: fy_start, fy_end, programs
-- definition: The number of volunteers to report on IRS Form 990 (Part I, line 6): distinct
--   people with at least one attended participation, in any role, in events of the selected
--   programs during the fiscal year [fy_start, fy_end). The board pack uses the fiscal year that
--   contains the window's last day; the year's first month is the fiscal-year setting.
-- formula: COUNT(DISTINCT person) over attended participations with fy_start <= event date < fy_end
SELECT COUNT(DISTINCT p.person_id) AS value
FROM participation p
JOIN event e ON e.event_id = p.event_id
WHERE p.status = 'attended'
  AND e.event_date >= CAST($fy_start AS DATE) AND e.event_date < CAST($fy_end AS DATE)
  AND (len($programs) = 0 OR list_contains($programs, e.program))
