-- Candidate duplicates: two people with the same normalized full name (first
-- names compared through a nickname table), different identifiers, and no
-- 'apart' decision between any of their keys.
WITH nick(alias, canonical) AS (
    VALUES ('bob', 'robert'), ('rob', 'robert'), ('bobby', 'robert'), ('bill', 'william'),
           ('will', 'william'), ('liz', 'elizabeth'), ('beth', 'elizabeth'),
           ('betty', 'elizabeth'), ('kate', 'katherine'), ('katie', 'katherine'),
           ('kathy', 'katherine'), ('jim', 'james'), ('jimmy', 'james'), ('mike', 'michael'),
           ('tom', 'thomas'), ('tony', 'anthony'), ('dave', 'david'), ('dan', 'daniel'),
           ('danny', 'daniel'), ('chris', 'christopher'), ('matt', 'matthew'),
           ('nick', 'nicholas'), ('sam', 'samuel'), ('alex', 'alexander'), ('joe', 'joseph'),
           ('jen', 'jennifer'), ('jenny', 'jennifer'), ('sue', 'susan'), ('pat', 'patricia'),
           ('peggy', 'margaret'), ('maggie', 'margaret'), ('meg', 'margaret'),
           ('ben', 'benjamin'), ('andy', 'andrew'), ('steve', 'steven'), ('rick', 'richard'),
           ('dick', 'richard'), ('ed', 'edward'), ('eddie', 'edward'), ('ted', 'edward'),
           ('abby', 'abigail'), ('becky', 'rebecca'), ('vicky', 'victoria'),
           ('greg', 'gregory'), ('jeff', 'jeffrey'), ('tim', 'timothy'), ('josh', 'joshua')
),
names AS (
    SELECT p.person_id, p.full_name, p.email, p.phone,
           norm_words(p.full_name) AS w
    FROM person p
    WHERE p.full_name IS NOT NULL AND norm_words(p.full_name) <> ''
),
all_keyed AS (
    SELECT n.*,
           COALESCE(k.canonical, split_part(n.w, ' ', 1))
           || SUBSTRING(n.w, LENGTH(split_part(n.w, ' ', 1)) + 1) AS name_key
    FROM names n LEFT JOIN nick k ON k.alias = split_part(n.w, ' ', 1)
),
-- the people whose name key someone else has too; materialized, so that the costly tests
-- of a name below (regular expressions) run on those few, not on everyone (they took a
-- tenth of a second per 100,000 people, which every import paid for its suspected
-- duplicates)
shared AS MATERIALIZED (
    SELECT * FROM all_keyed
    WHERE name_key IN (SELECT name_key FROM all_keyed GROUP BY name_key HAVING COUNT(*) > 1)
),
keyed AS (
    SELECT * FROM shared
    -- "Guest", "Unknown" or a record id is nobody's name: no pair is made of it
    WHERE NOT placeholder_name(full_name) AND NOT id_like_name(full_name)
),
pairs AS (
    SELECT a.person_id AS person_a, b.person_id AS person_b,
           a.full_name AS name_a, b.full_name AS name_b,
           a.email AS email_a, b.email AS email_b, a.phone AS phone_a, b.phone AS phone_b
    FROM keyed a JOIN keyed b ON a.name_key = b.name_key AND a.person_id < b.person_id
),
apart AS (
    SELECT ia.person_id AS pa, ib.person_id AS pb
    FROM identity_decision d
    JOIN identifier ia ON ia.key = d.key_a
    JOIN identifier ib ON ib.key = d.key_b
    WHERE d.decision = 'apart'
)
SELECT pairs.*,
       CASE WHEN norm_words(name_a) = norm_words(name_b) THEN 'same name'
            ELSE 'same name (nickname)' END AS why
FROM pairs
WHERE NOT EXISTS (SELECT 1 FROM apart
                  WHERE (pa = person_a AND pb = person_b) OR (pa = person_b AND pb = person_a))
ORDER BY name_a, person_a, person_b
