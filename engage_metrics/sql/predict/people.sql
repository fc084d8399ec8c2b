-- Who the scored people are, for the lists: name, email, phone.
SELECT pe.person_id,
       COALESCE(NULLIF(TRIM(pe.full_name), ''),
                TRIM(COALESCE(pe.first_name, '') || ' ' || COALESCE(pe.last_name, ''))) AS name,
       pe.email, pe.phone
FROM person pe
WHERE pe.person_id IN (SELECT person_id FROM predict_people)
