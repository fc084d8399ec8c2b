"""Opening the DuckDB store: schema creation, seeding, migrations, data version.

A DuckDB file is opened read-write by one process at a time. Every entry point
(CLI, dashboard) goes through :func:`connect`, which turns what DuckDB raises into a
:class:`StoreError` that says what to do: :class:`StoreBusy` when another process holds
the file's lock, :class:`StoreDamaged` when the file is cut short or a block fails its
checksum (see :mod:`engage_metrics.faults`, which tells them apart by error type and by the
file system, never by the words of a message).

Within one process (the Streamlit server: every browser session shares one
connection through its own cursor) write transactions are serialized by a
process-wide lock, so two sessions importing at once both land, one after the
other, instead of failing on a write-write conflict.
"""
from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path

import duckdb

from engage_metrics import faults, resolve
from engage_metrics.config import PROJECT_ROOT, defaults, normalize_keyword
from engage_metrics.faults import (  # noqa: F401 - the store's errors, by their usual names
    StoreBusy,
    StoreDamaged,
    StoreError,
    StoreTooNew,
    StoreWriteFailed,
)
from engage_metrics.rows import insert_rows
from engage_metrics.transaction import transaction

SCHEMA_VERSION = 9
SCHEMA_FILE = Path(__file__).with_name("sql") / "schema.sql"
DEFAULT_DB = PROJECT_ROOT / "data" / "engage.duckdb"
# DuckDB's cap when ENGAGE_MEMORY_LIMIT is unset (its own default is 80 % of RAM): with
# Python's and pandas' share on top, a process should peak below 1.5 GB (the benchmark
# measures it: README, Benchmark)
DEFAULT_MEMORY_LIMIT = "1GB"

def _add_import_notes(con: duckdb.DuckDBPyConnection) -> None:
    """v2: import_log.notes keeps what the importer assumed (encoding, sheet, repeated
    columns, unused columns …) so the history can still explain an import later."""
    con.execute("ALTER TABLE import_log ADD COLUMN notes VARCHAR")


def _table_ddl(name: str) -> str:
    """The CREATE TABLE statement of *name* in schema.sql (the current definition)."""
    m = re.search(rf"^CREATE TABLE IF NOT EXISTS {name} \(.*?^\);", SCHEMA_FILE.read_text(),
                  re.S | re.M)
    if m is None:
        raise RuntimeError(f"schema.sql defines no table {name}")
    return m.group(0)


def _unindexed_canonical_tables_and_facts(con: duckdb.DuckDBPyConnection) -> None:
    """v3: the canonical tables lose their primary-key indexes (unique by construction;
    maintaining the indexes cost more than the rebuild itself at millions of rows), and
    the per-person facts (person_fact, depth_snapshot) are added (filled after the last
    step)."""

    for name in ("identifier", "person", "event", "participation", "ask"):
        con.execute(f"ALTER TABLE {name} RENAME TO {name}_v2")   # noqa: S608 - fixed names
        con.execute(_table_ddl(name))
        con.execute(f"INSERT INTO {name} SELECT * FROM {name}_v2")  # noqa: S608
        con.execute(f"DROP TABLE {name}_v2")                          # noqa: S608
    con.execute(SCHEMA_FILE.read_text())   # creates the tables new in v3


def _window_snapshot(con: duckdb.DuckDBPyConnection) -> None:
    """v4: the window facts of the default window and the one before it (window_snapshot)
    are added, and the depth snapshot covers both windows' ends."""
    con.execute(SCHEMA_FILE.read_text())   # creates the table new in v4


def _window_person_snapshot(con: duckdb.DuckDBPyConnection) -> None:
    """v5: window_person and window_depth of the snapshot windows, for all programs and
    each program alone, are kept (window_person_snapshot, window_depth_snapshot), and
    person_program_fact carries each person's all-program history."""
    con.execute(SCHEMA_FILE.read_text())   # creates the tables new in v5
    for column in ("person_first_date", "reach_2", "reach_3", "reach_4", "reach_5"):
        con.execute(f"ALTER TABLE person_program_fact ADD COLUMN IF NOT EXISTS {column} DATE")


def _snapshot_stamps_with_settings(con: duckdb.DuckDBPyConnection) -> None:
    """v6: the snapshot stamps cover every setting the metrics bind (the lapse threshold
    became one) and the queries with their shared fragments pasted in. No table changes
    shape; the step exists so that the snapshots are computed again after the last step
    (as after every migration) and an upgraded store is served from them at once instead
    of computing every report live until its next import."""


def _record_keys(con: duckdb.DuckDBPyConnection) -> None:
    """v7: every record's identifier keys are kept (record_key), so that an import, an undo
    or a decision labels only the records of the people it touches; derived from the
    journal by a full rebuild, which also keeps each event's id from now on."""
    con.execute(SCHEMA_FILE.read_text())   # creates the table new in v7
    resolve.rebuild(con)
    con.execute("DROP TABLE IF EXISTS identity_note")   # no import's notes to keep


def _targets(con: duckdb.DuckDBPyConnection) -> None:
    """v8: the analyst's targets (table target; engage_metrics.targets)."""
    con.execute(SCHEMA_FILE.read_text())   # creates the table new in v8


def _tie_steps(con: duckdb.DuckDBPyConnection) -> None:
    """v9: the co-attendance the depth score's ties part reads (tie_step), so that depth at
    many dates (a series by month, the spectrum's trajectory) joins each person's rows
    instead of grouping every pair of co-attendees at every date, derived from the
    canonical tables here (the snapshots computed after the last step read it); and the
    predictions kept between processes (prediction_kept, empty)."""
    con.execute(SCHEMA_FILE.read_text())   # creates the tables new in v9
    resolve.refresh_ties(con)


# version n -> function migrating a store's tables from version n to n + 1. A step changes
# the tables' shape only: the derived facts and snapshots are computed once, after the last
# step, by today's queries (which may read columns a later step adds).
MIGRATIONS: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = {
    1: _add_import_notes, 2: _unindexed_canonical_tables_and_facts, 3: _window_snapshot,
    4: _window_person_snapshot, 5: _snapshot_stamps_with_settings, 6: _record_keys, 7: _targets,
    8: _tie_steps}


def default_db_path() -> Path:
    return Path(os.environ.get("ENGAGE_DB") or DEFAULT_DB)


def connect(path: str | Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and if needed create and migrate) the store at *path*."""
    path = Path(path) if path is not None else default_db_path()
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise faults.opening_error(path, exc) from exc
    con.execute("SET enable_progress_bar = false")   # long queries: no bar in CLI output
    try:
        bound_memory(con, path)
    except StoreError:
        con.close()
        raise
    try:
        if not read_only:
            ensure_schema(con)
        elif (version := schema_version(con)) not in (None, SCHEMA_VERSION):
            # the queries read the current schema's tables: a read-only file cannot migrate
            raise StoreError(
                f"this database was written by another Engage version (schema "
                f"{version}; this one reads schema {SCHEMA_VERSION}) and is opened "
                "read-only. Open it once read-write (the dashboard or any CLI command) to "
                "upgrade it.")
    except StoreError as exc:
        con.close()
        if isinstance(exc, (StoreDamaged, StoreWriteFailed)):      # they name the file
            raise
        raise type(exc)(f"{path}: {exc}", exc.public) from exc   # public: still no path
    except duckdb.Error as exc:
        fault = faults.store_fault(exc, con, path)   # reading the schema version met a fault
        version = None
        if fault is None:
            try:
                version = schema_version(con)
            except duckdb.Error as again:
                fault = faults.store_fault(again, con, path)
        con.close()
        if fault is not None:
            raise fault from exc
        # a migration failed: rolled back, the file is unchanged
        raise StoreError(
            f"{path}: upgrading this database from schema {version} to {SCHEMA_VERSION} failed "
            f"({str(exc).splitlines()[0]}); the file is unchanged. Keep it, and restore a "
            "backup into a new file to go on.") from exc
    return con


def bound_memory(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Cap DuckDB's memory (ENGAGE_MEMORY_LIMIT, default DEFAULT_MEMORY_LIMIT) and name
    the directory it spills to beyond the cap, so one big import or report never takes a
    shared server's memory. The limit covers DuckDB's buffers, not Python's own objects."""
    limit = os.environ.get("ENGAGE_MEMORY_LIMIT", "").strip() or DEFAULT_MEMORY_LIMIT
    try:
        con.execute(f"SET memory_limit = '{_size(limit)}'")
    except duckdb.Error as exc:
        raise StoreError(f"ENGAGE_MEMORY_LIMIT={limit!r} is not a size DuckDB accepts "
                         "(use e.g. 1GB or 1500MB)") from exc
    if str(path) == ":memory:":
        return
    spill = temp_directory(path)
    current = con.execute("SELECT current_setting('temp_directory')").fetchone()
    if current is None or current[0] != str(spill):   # a second connection in this process
        try:                                  # shares the first's (in use: cannot switch)
            con.execute(f"SET temp_directory = {_quoted(str(spill))}")
        except duckdb.Error as exc:
            raise StoreError(f"cannot spill to {spill}: {str(exc).splitlines()[0]}") from exc


def temp_directory(path: Path) -> Path:
    """Where DuckDB spills for the store at *path*: ``<file>.tmp`` beside it, or under
    ENGAGE_TEMP_DIR (an existing directory) as ``<file name>-<path hash>.tmp``, one per
    store, since DuckDB deletes the directory when the store is closed."""
    path = path.resolve()
    base = os.environ.get("ENGAGE_TEMP_DIR", "").strip()
    if not base:
        return path.with_name(path.name + ".tmp")
    if not Path(base).is_dir():
        raise StoreError(f"ENGAGE_TEMP_DIR={base!r} is not an existing directory")
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:8]
    return Path(base).resolve() / f"{path.name}-{digest}.tmp"


def _size(text: str) -> str:
    """A memory size such as 1GB or 1500MB (checked: it is formatted into a SET)."""
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", text, re.I):
        raise duckdb.InvalidInputException(text)
    return text


def _quoted(text: str) -> str:
    """*text* as an SQL string literal (SET takes no bound parameters)."""
    if "\0" in text:
        raise StoreError("a temporary directory's path cannot contain a NUL character")
    return "'" + text.replace("'", "''") + "'"


def schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except duckdb.CatalogException:
        return None
    return int(row[0]) if row else None


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create a new store, or migrate an older one to SCHEMA_VERSION."""
    version = schema_version(con)
    if version == SCHEMA_VERSION:
        return
    with transaction(con):
        if version is None:
            con.execute(SCHEMA_FILE.read_text())
            con.execute("INSERT INTO meta VALUES ('schema_version', $v), ('data_version', '0')",
                        {"v": str(SCHEMA_VERSION)})
            seed_configuration(con)
        else:
            if version > SCHEMA_VERSION:
                raise StoreTooNew(
                    f"this database was written by a newer Engage (schema {version}); "
                    f"this one reads schema {SCHEMA_VERSION}. Upgrade Engage, or restore a "
                    "backup made by this version."
                )
            for v in range(version, SCHEMA_VERSION):
                MIGRATIONS[v](con)
            resolve.apply_configuration(con)   # classification, ladder, facts, snapshots
            con.execute("UPDATE meta SET value = $v WHERE key = 'schema_version'",
                        {"v": str(SCHEMA_VERSION)})


def seed_configuration(con: duckdb.DuckDBPyConnection) -> None:
    """Fill the classification and ladder tables from data/engage.toml."""
    d = defaults()
    # keyed by what the tables are keyed by: the last of two keywords that normalize alike wins
    modes = {normalize_keyword(k): v for k, v in d["classification"].items()}
    rungs = {(kind, normalize_keyword(k)): int(r)
             for kind in ("role", "event_type") for k, r in d["ladder"][kind].items()}
    insert_rows(con, "INSERT OR REPLACE INTO classification", modes.items())
    insert_rows(con, "INSERT OR REPLACE INTO ladder",
                [(kind, keyword, rung) for (kind, keyword), rung in rungs.items()])
