-- Names of temp table `src` before staging: a record id in the full-name column is no
-- name (the first and last names, when the file has them, name the person), and a
-- column in "Last, First" form (parameter last_first) is read as first name, last name.
ALTER TABLE src ALTER first_name TYPE VARCHAR;
ALTER TABLE src ALTER last_name TYPE VARCHAR;
ALTER TABLE src ALTER full_name TYPE VARCHAR;
UPDATE src SET full_name = NULL WHERE id_like_name(tidy(full_name));
UPDATE src SET
    first_name = COALESCE(tidy(first_name), TRIM(split_part(full_name, ',', 2))),
    last_name = COALESCE(tidy(last_name), TRIM(split_part(full_name, ',', 1))),
    full_name = TRIM(split_part(full_name, ',', 2)) || ' ' || TRIM(split_part(full_name, ',', 1))
WHERE $last_first AND last_first_name(tidy(full_name));
