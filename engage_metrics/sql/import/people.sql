-- Normalize a people file (temp table `src`): contact details and who recruited
-- whom. Bound parameters: $source.
WITH n AS (
    SELECT
        _line, _raw, _overflow, _unsaved, _lost,
        tidy(email) AS email_raw,
        norm_email(email) AS email,
        norm_phone(phone) AS phone,
        tidy(external_id) AS external_id,
        tidy(first_name) AS first_name,
        tidy(last_name) AS last_name,
        COALESCE(tidy(full_name),
                 tidy(CONCAT_WS(' ', tidy(first_name), tidy(last_name)))) AS full_name,
        tidy(recruited_by) AS recruited_raw,
        norm_email(recruited_by) AS recruited_by_email
    FROM src
)
SELECT
    _line AS line_no, _raw AS raw,
    CASE
        WHEN email IS NULL AND phone IS NULL AND external_id IS NULL AND full_name IS NULL
             AND unsaved_lost(_lost, ['email', 'phone', 'external_id', 'first_name', 'last_name', 'full_name'])
            THEN unsaved_reason(_unsaved)
        WHEN email IS NULL AND phone IS NULL AND external_id IS NULL AND full_name IS NULL
            THEN CASE WHEN email_raw IS NOT NULL
                      THEN 'invalid email ''' || email_raw || ''' and no phone, id or name'
                      ELSE 'no email, phone, person id or name' END
        WHEN recruited_raw IS NOT NULL AND recruited_by_email IS NULL
            THEN 'recruited-by value ''' || recruited_raw || ''' is not an email address'
        WHEN _overflow THEN 'more cells than header columns (check the delimiter and quoting)'
    END AS reason,
    $source AS source, email, phone, external_id, first_name, last_name, full_name,
    recruited_by_email
FROM n
