-- Engage canonical store. One file creates every table; `meta.schema_version`
-- records the version so later releases can migrate a file forward
-- (engage_metrics.db.MIGRATIONS).
--
-- Layers:
--   journal  (import_log, rejected_row, raw_*)      what each import brought, kept verbatim
--   decisions (identity_decision, settings, classification, ladder, target)
--   canonical (person, identifier, event, participation, ask)
--            derived from the journal by engage_metrics.resolve; an import or an
--            undo rebuilds them inside the same transaction, so undo removes
--            exactly what an import added and re-imports change nothing.
--            Their keys (identifier.key, person_id, event_id, (person_id,
--            event_id), ask_id) are unique by construction (GROUP BY in
--            sql/resolve/build.sql, tested), not by index: an index would cost
--            more than the whole rebuild at millions of rows (schema 3).
--   facts    (person_fact, person_program_fact, tie_step, depth_snapshot, window_snapshot,
--            window_person_snapshot, window_depth_snapshot) facts kept in step with
--            the canonical tables by the same rebuild, so metrics read one row
--            per person instead of scanning every participation.

CREATE TABLE IF NOT EXISTS meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR
);

CREATE TABLE IF NOT EXISTS setting (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR            -- JSON-encoded value
);

CREATE TABLE IF NOT EXISTS classification (
    keyword VARCHAR PRIMARY KEY,           -- normalized: lower case, words split by single spaces
    mode    VARCHAR NOT NULL CHECK (mode IN ('task', 'relationship', 'mixed'))
);

CREATE TABLE IF NOT EXISTS ladder (
    kind    VARCHAR NOT NULL CHECK (kind IN ('role', 'event_type')),
    keyword VARCHAR NOT NULL,
    rung    INTEGER NOT NULL CHECK (rung BETWEEN 1 AND 5),
    PRIMARY KEY (kind, keyword)
);

CREATE TABLE IF NOT EXISTS import_log (
    import_id     INTEGER PRIMARY KEY,
    file_name     VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL CHECK (kind IN ('participation', 'ask', 'people')),
    source        VARCHAR NOT NULL,
    mapping       VARCHAR,               -- JSON {canonical field: file column}
    options       VARCHAR,               -- JSON of import options
    rows_read     INTEGER NOT NULL,
    rows_accepted INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL,
    rows_skipped  INTEGER NOT NULL,      -- blank lines, totals and footer lines
    imported_at   TIMESTAMP NOT NULL,
    notes         VARCHAR                -- JSON list of the importer's notes (schema 2)
);

CREATE TABLE IF NOT EXISTS rejected_row (
    import_id INTEGER NOT NULL,
    line_no   INTEGER NOT NULL,
    raw       VARCHAR,
    reason    VARCHAR NOT NULL
);

-- Accepted, normalized rows of participation files.
CREATE TABLE IF NOT EXISTS raw_participation (
    import_id   INTEGER NOT NULL,
    line_no     INTEGER NOT NULL,
    source      VARCHAR NOT NULL,
    email       VARCHAR,     -- normalized (trimmed, lower case)
    phone       VARCHAR,     -- normalized (digits only, last 10)
    external_id VARCHAR,     -- the tool's person id, as given
    first_name  VARCHAR,
    last_name   VARCHAR,
    full_name   VARCHAR,
    event_key   VARCHAR NOT NULL,   -- identifies the occurrence within the source
    title       VARCHAR NOT NULL,
    event_type  VARCHAR,
    program     VARCHAR NOT NULL,
    starts_at   TIMESTAMP NOT NULL, -- local time of the organization
    ends_at     TIMESTAMP,
    status      VARCHAR NOT NULL CHECK (status IN ('registered', 'attended', 'no_show', 'cancelled')),
    role        VARCHAR NOT NULL,
    hours       DOUBLE
);

-- Accepted rows of people files (contact details and who recruited whom).
CREATE TABLE IF NOT EXISTS raw_person (
    import_id          INTEGER NOT NULL,
    line_no            INTEGER NOT NULL,
    source             VARCHAR NOT NULL,
    email              VARCHAR,
    phone              VARCHAR,
    external_id        VARCHAR,
    first_name         VARCHAR,
    last_name          VARCHAR,
    full_name          VARCHAR,
    recruited_by_email VARCHAR
);

-- Accepted rows of ask files.
CREATE TABLE IF NOT EXISTS raw_ask (
    import_id   INTEGER NOT NULL,
    line_no     INTEGER NOT NULL,
    source      VARCHAR NOT NULL,
    email       VARCHAR,
    phone       VARCHAR,
    external_id VARCHAR,
    first_name  VARCHAR,
    last_name   VARCHAR,
    full_name   VARCHAR,
    asked_at    TIMESTAMP NOT NULL,
    ask         VARCHAR,
    rung        INTEGER NOT NULL CHECK (rung BETWEEN 1 AND 5),
    outcome     VARCHAR NOT NULL CHECK (outcome IN ('yes', 'no', 'no_response')),
    asked_by    VARCHAR
);

-- Analyst decisions on identity, keyed by identifier keys (not person ids) so
-- they survive re-imports and rebuilds. 'merge' joins two identities into one
-- person; 'apart' keeps a same-name candidate pair out of the review list.
CREATE TABLE IF NOT EXISTS identity_decision (
    decision   VARCHAR NOT NULL CHECK (decision IN ('merge', 'apart')),
    key_a      VARCHAR NOT NULL,
    key_b      VARCHAR NOT NULL,
    decided_at TIMESTAMP NOT NULL,
    PRIMARY KEY (decision, key_a, key_b)
);

-- Targets the analyst set (schema 8): a metric of engage_metrics.targets.TARGET_METRICS
-- (a registry id), the value to reach by the due date, counted from start_date, for all
-- programs (program NULL) or one. Decisions like the settings: kept by every rebuild, and
-- setting one changes no number (the data version is left alone).
CREATE TABLE IF NOT EXISTS target (
    target_id  INTEGER NOT NULL,
    metric     VARCHAR NOT NULL,
    rung       INTEGER CHECK (rung BETWEEN 1 AND 5),   -- N of people_at_rung, else NULL
    value      DOUBLE NOT NULL CHECK (value > 0),
    start_date DATE NOT NULL,       -- cumulative metrics count from here
    due_date   DATE NOT NULL,
    program    VARCHAR,             -- NULL: every program
    set_at     TIMESTAMP NOT NULL
);

-- ---------------------------------------------------------------- canonical

-- Every normalized identifier. key = kind || ':' || value, e.g. 'email:ana@x.org',
-- 'phone:5551234567', 'ext:mobilize:1234', 'name:signin:ana lopez' (weak).
-- ident_no is assigned once, on first sight, and a person's id is the smallest
-- ident_no among its identifiers, so ids stay stable as data grows.
CREATE TABLE IF NOT EXISTS identifier (
    key       VARCHAR NOT NULL,
    kind      VARCHAR NOT NULL CHECK (kind IN ('email', 'phone', 'ext', 'name')),
    ident_no  INTEGER NOT NULL,
    person_id INTEGER
);

-- Every journal record's identifier keys (schema 7), kept so that a change labels only the
-- records of the people it touches: rec = (import_id * 4 + table) * 2^32 + line_no, table
-- 0 participation, 1 person, 2 ask; own: the record's own email or phone (not a placeholder,
-- not shared), which its person shows.
CREATE TABLE IF NOT EXISTS record_key (
    rec  BIGINT NOT NULL,
    key  VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    own  BOOLEAN NOT NULL
);

CREATE TABLE IF NOT EXISTS person (
    person_id     INTEGER NOT NULL,
    full_name     VARCHAR,
    first_name    VARCHAR,
    last_name     VARCHAR,
    email         VARCHAR,
    phone         VARCHAR,
    first_seen    DATE,
    recruited_by  INTEGER,
    weak_identity BOOLEAN NOT NULL   -- only a name identifies this person
);

CREATE TABLE IF NOT EXISTS event (
    event_id    INTEGER NOT NULL,
    source      VARCHAR NOT NULL,
    event_key   VARCHAR NOT NULL,
    title       VARCHAR NOT NULL,
    event_type  VARCHAR,
    program     VARCHAR NOT NULL,
    starts_at   TIMESTAMP NOT NULL,
    ends_at     TIMESTAMP,
    event_date  DATE NOT NULL,
    mode        VARCHAR NOT NULL CHECK (mode IN ('task', 'relationship', 'mixed')),
    task_weight DOUBLE NOT NULL,     -- task 1, mixed 0.5, relationship 0
    touch_weight DOUBLE NOT NULL,    -- relational touch: relationship 1, mixed 0.5, task 0
    type_rung   INTEGER NOT NULL,    -- rung of the event type (ladder)
    classified  BOOLEAN NOT NULL     -- false: no classification keyword matched
);

CREATE TABLE IF NOT EXISTS participation (
    person_id INTEGER NOT NULL,
    event_id  INTEGER NOT NULL,
    status    VARCHAR NOT NULL,
    role      VARCHAR NOT NULL,
    hours     DOUBLE,
    rung      INTEGER NOT NULL,      -- max(role rung, event type rung)
    import_id INTEGER NOT NULL       -- the import whose row holds these values
);

CREATE TABLE IF NOT EXISTS ask (
    ask_id    INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    asked_at  TIMESTAMP NOT NULL,
    ask_date  DATE NOT NULL,
    ask       VARCHAR,
    rung      INTEGER NOT NULL,
    outcome   VARCHAR NOT NULL,
    asked_by  VARCHAR,
    import_id INTEGER NOT NULL
);

-- ---------------------------------------------------------------- facts (schema 3)

-- One row per person with a participation: the dates every history-based metric needs
-- (first attendance, the return after it, the date each rung was first reached), so a
-- person's rung or first attendance at any date is read, not recomputed from all history.
-- Rebuilt by sql/resolve/facts.sql after every import, undo and ladder change.
CREATE TABLE IF NOT EXISTS person_fact (
    person_id      INTEGER NOT NULL,
    first_date     DATE NOT NULL,   -- first participation, any status
    first_attended DATE,            -- first attended participation
    next_attended  DATE,            -- first attended date after first_attended
    third_attended DATE,            -- date of the third attended participation
    reach_2        DATE,            -- first attended date at rung >= 2
    reach_3        DATE,
    reach_4        DATE,
    reach_5        DATE
);

-- One row per person and program they have a participation in: the first participation and
-- the first three attended dates there (a person attended >= 3 times in some programs before
-- D exactly when the count of those dates before D, summed over the programs, is >= 3).
CREATE TABLE IF NOT EXISTS person_program_fact (
    person_id  INTEGER NOT NULL,
    program    VARCHAR NOT NULL,
    first_date DATE NOT NULL,       -- first participation in the program, any status
    attended_1 DATE,                -- first, second and third attended participation dates
    attended_2 DATE,
    attended_3 DATE,
    -- the person's history in all programs (person_fact's), on each of their programs' rows
    -- so that one program's ladder funnel reads this table alone (schema 5)
    person_first_date DATE,
    reach_2 DATE, reach_3 DATE, reach_4 DATE, reach_5 DATE
);

-- Co-attendance for the ties part of relationship depth (schema 9): for every two people
-- with >= 2 shared attended event occurrences, each consecutive two of those occurrences'
-- dates (prev_date <= date, in date order), once for each of the two as person_id. The pair
-- are ties at a date D when a row has date < D and D - prev_date <= the lookback (365 days):
-- depth.sql reads this instead of grouping every pair of co-attendees at every date.
-- Written by sql/resolve/ties.sql after every import, undo and merge, for the people whose
-- attended participations changed; no setting is in it.
CREATE TABLE IF NOT EXISTS tie_step (
    person_id INTEGER NOT NULL,
    other_id  INTEGER NOT NULL,
    prev_date DATE NOT NULL,
    date      DATE NOT NULL
);

-- Predictions kept between processes (schema 9): each model's backtest and scores as of a
-- date (engage_metrics.predict.common.kept), computed once per data version and read by the
-- next process (a restarted dashboard, the CLI) instead of fitting the model again. A row
-- is served only while its stamp (data version, row counts, settings, the models' queries)
-- is current; rows of an older data version are deleted when a new one is kept.
CREATE TABLE IF NOT EXISTS prediction_kept (
    what         VARCHAR NOT NULL,   -- JSON [model, as-of date, …]
    data_version INTEGER NOT NULL,
    stamp        VARCHAR NOT NULL,
    backtest     VARCHAR NOT NULL,   -- JSON: the backtest's figures and words
    calibration  BLOB NOT NULL,      -- Parquet: the backtest's calibration table
    scores       BLOB                -- Parquet: the scores; NULL when the backtest failed
);

-- Relationship depth of everyone who attended before the default window's end (the data's
-- last date + 1), scored there, and likewise at the end of the window before it (schema 4):
-- depth.sql's formula, computed once per change of data or depth settings, because its
-- ties part (pairs of people) is the costliest computation of the report. meta key
-- 'depth_snapshot' holds what it was computed from (dates, depth settings, row counts); a
-- reader uses it only when those are still current (engage_metrics.metrics.prepare_depth).
CREATE TABLE IF NOT EXISTS depth_snapshot (
    person_id  INTEGER NOT NULL,
    d          DATE NOT NULL,
    tenure     DOUBLE, frequency DOUBLE, recency DOUBLE, breadth DOUBLE,
    ties       DOUBLE, touches DOUBLE, ties_count BIGINT,
    score      DOUBLE, tier VARCHAR
);

-- The window facts (sql/facts/window_program.sql) of the default window, the last 12 months
-- of data, and of the 12 months before it (engage_metrics.metrics.snapshot_windows): what
-- the dashboard's first screen (with its change since the previous period) and the CLI's
-- default report read, computed once per change of data, ladder or classification instead
-- of once per process (schema 4). meta key 'window_snapshot' holds the windows, the query
-- and the row counts it was computed from; a reader uses it only when those are still
-- current (engage_metrics.metrics.prepare_window).
CREATE TABLE IF NOT EXISTS window_snapshot (
    window_end  DATE NOT NULL,      -- which window: its end
    person_id   INTEGER NOT NULL,
    program     VARCHAR NOT NULL,
    attended    BIGINT,
    no_show     BIGINT,
    hours       DOUBLE,
    task_weight DOUBLE,
    best_rung   INTEGER,
    recent      BIGINT
);

-- window_person and window_depth (sql/facts) of each window of window_snapshot, for all
-- programs (selection '[]') and for each program alone (selection '["Field"]'): what the
-- Overview and the per-program reports read, as views, instead of joining the window's
-- people with their history and their depth at the window's end (schema 5). Computed by
-- the same queries from the window and depth snapshots, with them; meta key
-- 'window_person_snapshot' holds the windows, the queries, the depth settings and the row
-- counts they were computed from (engage_metrics.metrics.prepare_window).
CREATE TABLE IF NOT EXISTS window_person_snapshot (
    window_end     DATE NOT NULL,
    selection      VARCHAR NOT NULL,
    person_id      INTEGER NOT NULL,
    attended       BIGINT,
    no_show        BIGINT,
    hours          DOUBLE,
    task_weight    DOUBLE,
    best_rung      INTEGER,
    recent         BIGINT,
    first_attended DATE,
    next_attended  DATE,
    reach_2 DATE, reach_3 DATE, reach_4 DATE, reach_5 DATE,
    start_rung     INTEGER
);

CREATE TABLE IF NOT EXISTS window_depth_snapshot (
    window_end DATE NOT NULL,
    selection  VARCHAR NOT NULL,
    person_id  INTEGER NOT NULL,
    d          DATE NOT NULL,
    tenure     DOUBLE, frequency DOUBLE, recency DOUBLE, breadth DOUBLE,
    ties       DOUBLE, touches DOUBLE, ties_count BIGINT,
    score      DOUBLE, tier VARCHAR
);
