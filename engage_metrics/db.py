"""Opening the DuckDB store: schema creation, seeding, migrations, data version.

A DuckDB file is opened read-write by one process at a time. Every entry point
(CLI, dashboard) goes through :func:`connect`, which turns DuckDB's lock error
into :class:`StoreBusy` with a message that says what to do.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from engage_metrics.config import PROJECT_ROOT, defaults, normalize_keyword

SCHEMA_VERSION = 1
SCHEMA_FILE = Path(__file__).with_name("sql") / "schema.sql"
DEFAULT_DB = PROJECT_ROOT / "data" / "engage.duckdb"

# version n -> function migrating a store from version n to n + 1
MIGRATIONS: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = {}


class StoreBusy(RuntimeError):
    """The database file is held open by another process."""


def default_db_path() -> Path:
    return Path(os.environ.get("ENGAGE_DB") or DEFAULT_DB)


def connect(path: str | Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and if needed create and migrate) the store at *path*."""
    path = Path(path) if path is not None else default_db_path()
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise StoreBusy(
                f"{path} is open in another Engage process (the dashboard or an import). "
                "Close it, or import through the dashboard's Data page, then try again."
            ) from exc
        raise
    if not read_only:
        ensure_schema(con)
    return con


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
                raise RuntimeError(
                    f"this database was written by a newer Engage (schema {version}); "
                    f"this one reads schema {SCHEMA_VERSION}. Upgrade Engage."
                )
            for v in range(version, SCHEMA_VERSION):
                MIGRATIONS[v](con)
            con.execute("UPDATE meta SET value = $v WHERE key = 'schema_version'",
                        {"v": str(SCHEMA_VERSION)})


def seed_configuration(con: duckdb.DuckDBPyConnection) -> None:
    """Fill the classification and ladder tables from data/engage.toml."""
    d = defaults()
    con.executemany(
        "INSERT OR REPLACE INTO classification VALUES (?, ?)",
        [(normalize_keyword(k), v) for k, v in d["classification"].items()],
    )
    con.executemany(
        "INSERT OR REPLACE INTO ladder VALUES (?, ?, ?)",
        [(kind, normalize_keyword(k), int(r))
         for kind in ("role", "event_type")
         for k, r in d["ladder"][kind].items()],
    )


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN ... COMMIT, rolled back on any exception: all or nothing."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """A counter bumped by every change to data or settings (cache key for the UI)."""
    row = con.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
    return int(row[0]) if row else 0


def bump_data_version(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS VARCHAR) "
                "WHERE key = 'data_version'")
