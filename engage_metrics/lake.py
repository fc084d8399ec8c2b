"""A lake: the store as a directory of Parquet tables, the layout the Spark path reads.

An organization that outgrows one DuckDB file moves to Apache Spark without importing
its history again: ``export-lake`` writes every table of the store into a lake and
``import-lake`` reads a lake back into a new DuckDB store. The layout (README, "Spark")::

    LAKE/
      engage-lake.json              the manifest: format, schema version, each table's
                                     row count, columns and partitioning
      person/part-0.parquet          one directory per table, its rows in part files
      event/ participation/ ...      (canonical tables, facts, snapshots, settings)
      raw_participation/import_id=3/part-0.parquet
                                     the import journal (import_log, rejected_row,
                                     raw_*) partitioned by import, so that an import
                                     adds partitions and an undo removes them

A table without rows is one Parquet file without rows (its schema). A lake is written
into a staging directory beside its place and moved there when it is complete, so a
failed export leaves no half-written lake.
"""
from __future__ import annotations

import atexit
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from engage_metrics import db, faults
from engage_metrics.backup import BackupError, build_store, store_tables

MANIFEST = "engage-lake.json"
FORMAT = "engage-lake"
FORMAT_VERSION = 1
# the import journal: one partition per import (column import_id)
PARTITIONED = frozenset({"import_log", "rejected_row", "raw_participation", "raw_person",
                         "raw_ask"})
PARTITION_COLUMN = "import_id"
# a change being committed (engage_metrics.lake_commit): its staging directory, and the
# plan written there at the commit point
STAGING = ".staging"
PLAN = "plan.json"


class LakeError(BackupError):
    """A lake cannot be written or read; the message says why and what to do."""


def _literal(path: Path) -> str:
    """*path* as an SQL string literal: COPY takes its target as a literal, not a parameter."""
    text = str(path)
    if "\0" in text:
        raise LakeError("a lake's path cannot contain a NUL character")
    return "'" + text.replace("'", "''") + "'"


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[list[str]]:
    return [[name, str(kind)] for name, kind in con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE NOT internal "
        "AND schema_name = 'main' AND table_name = $t ORDER BY column_index",
        {"t": table}).fetchall()]


def _write_table(con: duckdb.DuckDBPyConnection, table: str, folder: Path) -> bool:
    """Write *table* into *folder*: partitioned by import when it is journal with rows,
    else one part file. True when partitioned."""
    [(rows,)] = con.execute(f'SELECT COUNT(*) FROM "{table}"').fetchall()  # noqa: S608
    query = f'SELECT * FROM "{table}"'  # noqa: S608 - names from the catalog
    if table in PARTITIONED and rows:
        con.execute(f"COPY ({query}) TO {_literal(folder)} (FORMAT parquet, "
                    f"PARTITION_BY ({PARTITION_COLUMN}), FILENAME_PATTERN 'part-{{i}}')")
        return True
    folder.mkdir()
    con.execute(f"COPY ({query}) TO {_literal(folder / 'part-0.parquet')} (FORMAT parquet)")
    return False


def export_lake(con: duckdb.DuckDBPyConnection, out_dir: str | Path) -> dict[str, Any]:
    """Write every table of the store into the new (or empty) lake directory *out_dir*.

    The tables are read in one transaction of a separate cursor (a consistent snapshot
    even while another session imports) and written into a staging directory beside
    *out_dir*, renamed into place when complete."""
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise LakeError(f"{out} already exists and is not an empty directory; choose a new "
                        "directory for the lake so nothing is overwritten.")
    staging = out.with_name(f".{out.name}.staging")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    cur = con.cursor()
    try:
        cur.execute("BEGIN TRANSACTION")
        tables: dict[str, dict[str, Any]] = {}
        for name in store_tables(cur):
            partitioned = _write_table(cur, name, staging / name)
            [(rows,)] = cur.execute(f'SELECT COUNT(*) FROM "{name}"').fetchall()  # noqa: S608
            tables[name] = {"rows": rows, "columns": _columns(cur, name),
                            "partitioned_by": [PARTITION_COLUMN] if partitioned else []}
        manifest = {"format": FORMAT, "format_version": FORMAT_VERSION,
                    "schema_version": db.schema_version(cur),
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "tables": tables}
        cur.execute("COMMIT")
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2))
        if out.exists():
            out.rmdir()
        os.replace(staging, out)
    finally:
        cur.close()
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def commit_pending(folder: Path) -> bool:
    """True when a change of the lake *folder* passed its commit point and did not finish
    (engage_metrics.lake_commit): its files are a mix of before and after until the next
    change, or `./scripts/spark recover`, finishes it."""
    return (folder / STAGING / PLAN).exists()


def read_manifest(lake: str | Path) -> dict[str, Any]:
    """The manifest of the lake directory *lake*, checked (:func:`check_manifest`), and
    each of its tables' directories there; refused while a change's commit is pending."""
    folder = Path(lake)
    if commit_pending(folder):
        raise LakeError(f"the last change of the lake {folder} stopped during its commit; "
                        f"finish it with `./scripts/spark recover --lake {folder}`, then try "
                        "again.")
    try:
        text = (folder / MANIFEST).read_text()
    except FileNotFoundError:
        raise LakeError(f"{folder} is not an Engage lake: it has no {MANIFEST}; make one with "
                        "`engage export-lake --db FILE --out DIR`.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LakeError(f"{folder / MANIFEST} cannot be read ({exc}); the lake is "
                        "damaged.") from exc
    manifest = check_manifest(text, str(folder))
    for name in manifest["tables"]:
        if not (folder / name).is_dir():
            raise LakeError(f"the lake in {folder} lacks the directory of table {name}; it "
                            "is incomplete.")
    return manifest


def check_manifest(text: str, where: str) -> dict[str, Any]:
    """The manifest *text* of the lake at *where* (a directory or a URI), parsed and
    checked: an Engage lake, of a schema version this Engage reads."""
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LakeError(f"the manifest of the lake {where} cannot be read ({exc}); the lake "
                        "is damaged.") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT \
            or not isinstance(manifest.get("tables"), dict):
        raise LakeError(f"{where}/{MANIFEST} is not an Engage lake manifest.")
    version = manifest.get("schema_version")
    if not isinstance(version, int) or version < 1:
        raise LakeError(f"{where}/{MANIFEST} has no valid schema version; the lake is "
                        "damaged.")
    if version > db.SCHEMA_VERSION:
        raise LakeError(f"the lake {where} was written by a newer Engage (schema "
                        f"{version}); this one reads schema {db.SCHEMA_VERSION}. Upgrade "
                        "Engage, then read it.")
    return manifest


def check_current(manifest: dict[str, Any], lake: str) -> None:
    """Refuse a lake of an older schema where it is used as it is (the dashboard, Spark):
    its tables lack what this Engage reads (import-lake upgrades one)."""
    version = manifest["schema_version"]
    if version != db.SCHEMA_VERSION:
        raise LakeError(f"the lake {lake} was written by an older Engage (schema {version}; "
                        f"this one reads schema {db.SCHEMA_VERSION}) and cannot be used "
                        "as it is: read it into a store with `engage import-lake --lake "
                        f"{lake} --db FILE` (which upgrades it) and export that again.")


def table_glob(lake: str | Path, name: str) -> str:
    """Every Parquet file of table *name* (its partitions too), as a glob."""
    return str(Path(lake) / name / "**" / "*.parquet")


def import_lake(lake: str | Path, db_path: str | Path) -> dict[str, Any]:
    """Read the lake *lake* into the new (or empty) store *db_path*.

    Built in a side file moved into place when complete, like a restore; a lake of an
    older schema has its canonical tables, facts and snapshots derived again from its
    journal."""
    manifest = read_manifest(lake)
    build_store(Path(db_path), ".importing", lambda con: _load(con, Path(lake), manifest),
                manifest["schema_version"])
    return manifest


def _load(con: duckdb.DuckDBPyConnection, lake: Path, manifest: dict[str, Any]) -> None:
    """Replace every table's rows with the lake's, in the caller's transaction."""
    tables = set(store_tables(con))
    unknown = sorted(set(manifest["tables"]) - tables)
    if unknown:
        raise LakeError(f"the lake has table {unknown[0]}, which this Engage does not know; "
                        "it was not written by Engage.")
    for name in sorted(tables):
        con.execute(f'DELETE FROM "{name}"')  # noqa: S608 - names from the catalog
    for name, entry in manifest["tables"].items():
        keep = "WHERE key <> 'schema_version'" if name == "meta" else ""
        try:
            con.execute(f'INSERT INTO "{name}" BY NAME SELECT * '  # noqa: S608
                        f"FROM read_parquet($files, hive_partitioning = true) {keep}",
                        {"files": table_glob(lake, name)})
        except duckdb.Error as exc:
            raise LakeError(f"table {name} of the lake does not fit this Engage's schema "
                            f"({str(exc).splitlines()[0]}); it was not written by Engage or "
                            "is damaged.") from exc
        [(count,)] = con.execute(f'SELECT COUNT(*) FROM "{name}"').fetchall()  # noqa: S608
        if name != "meta" and count != entry.get("rows"):
            raise LakeError(f"table {name}: the manifest says {entry.get('rows')} rows but the "
                            f"lake holds {count}; the lake is damaged.")
    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', $v)",
                {"v": str(db.SCHEMA_VERSION)})


# ---------------------------------------------------------------- the lake, read in place
#
# The dashboard serves a lake without copying it: a small DuckDB file of views, one per
# table, over the lake's Parquet files (``read_parquet``; the journal with its import
# partitions), opened read-only. Every query reads the Parquet files as they are now; the
# facts and snapshots export-lake (or the Spark path) wrote are read like any table, and
# nothing can be written: not the views (read-only), never the Parquet files (a view
# cannot be written through). Temporary tables, views and macros (the metrics' prepared
# relations) live in memory, as on any store.

VIEWS_PREFIX = "engage-lake-"
VIEWS_FILE = "views.duckdb"


@dataclass(frozen=True)
class LakeState:
    """One state of the lake at *path* (absolute): *stamp* changes whenever its manifest is
    written again (its content or its modification time), which every write of a lake
    ends with; *written_at* is when that was."""

    path: str
    stamp: str
    written_at: datetime

    @property
    def version(self) -> int:
        """The stamp as a number: the dashboard's data version (its caches' key)."""
        return int(self.stamp[:15], 16)


def lake_state(lake: str | Path) -> LakeState:
    """The state of the lake *lake* now (read from its manifest file only: cheap enough for
    every rerun of the dashboard)."""
    path = Path(lake) / MANIFEST
    try:
        content, info = path.read_bytes(), path.stat()
    except FileNotFoundError:
        raise LakeError(f"{lake} is not an Engage lake: it has no {MANIFEST}; make one with "
                        "`engage export-lake --db FILE --out DIR`.") from None
    except OSError as exc:
        raise LakeError(f"{path} cannot be read ({exc}); the lake is damaged.") from exc
    digest = hashlib.sha256(content + str(info.st_mtime_ns).encode()).hexdigest()
    return LakeState(str(Path(lake).absolute()), digest,
                     datetime.fromtimestamp(info.st_mtime, UTC).replace(microsecond=0))


def open_read_only(lake: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-only DuckDB connection whose tables are views of the lake *lake*'s Parquet
    files, with the same memory cap as :func:`db.connect`; close it with :func:`release`.

    The lake must be of this Engage's schema, its tables and columns those of the schema,
    and every table must hold the rows its manifest says (a lake being written, or
    damaged, does not)."""
    folder = Path(lake).absolute()
    manifest = read_manifest(folder)
    check_current(manifest, str(lake))
    schema = schema_columns()
    _check_tables(manifest, schema, lake)
    try:
        home = Path(tempfile.mkdtemp(prefix=VIEWS_PREFIX))
    except OSError as exc:
        raise LakeError(f"cannot make the lake's file of views in {tempfile.gettempdir()} "
                        f"({exc}); check that disk.") from exc
    # removed by release(), or when the process ends (a server stopped with its connection)
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    views = home / VIEWS_FILE
    try:
        con = duckdb.connect(str(views))
        try:
            con.execute("BEGIN TRANSACTION")    # one commit (one sync), not one a view
            for name, columns in schema.items():
                _create_view(con, folder, name, columns)
            con.execute("COMMIT")
        finally:
            con.close()
        con = duckdb.connect(str(views), read_only=True)
        try:
            con.execute("SET enable_progress_bar = false")
            db.bound_memory(con, views)
            _check_rows(con, manifest, lake)
        except BaseException:
            con.close()
            raise
    except BaseException as exc:
        shutil.rmtree(home, ignore_errors=True)
        if isinstance(exc, duckdb.Error):   # the file of views itself (a full disk)
            raise LakeError(f"cannot make the lake's file of views in {home.parent} "
                            f"({str(exc).splitlines()[0]}); check that disk.") from exc
        raise
    return con


def release(con: duckdb.DuckDBPyConnection) -> None:
    """Close a connection of :func:`open_read_only` and remove its file of views."""
    try:
        path = faults.store_path(con)
    finally:
        con.close()
    if path and Path(path).name == VIEWS_FILE and Path(path).parent.name.startswith(
            VIEWS_PREFIX):
        shutil.rmtree(Path(path).parent, ignore_errors=True)


def schema_columns() -> dict[str, list[list[str]]]:
    """Each table of this Engage's schema (schema.sql) and its [name, type] columns."""
    scratch = duckdb.connect()
    try:
        scratch.execute(db.SCHEMA_FILE.read_text())
        return {name: _columns(scratch, name) for name in store_tables(scratch)}
    finally:
        scratch.close()


def _check_tables(manifest: dict[str, Any], schema: dict[str, list[list[str]]],
                  lake: str | Path) -> None:
    """The manifest's tables and columns (names and types, in any order: a migrated store
    adds columns at the end) are the schema's, so the views' SQL is written from this
    Engage's own catalog, never from the manifest's text."""
    tables = manifest["tables"]
    for name in sorted(set(schema) ^ set(tables)):
        which = "lacks table" if name in schema else "has table"
        raise LakeError(f"the lake {lake} {which} {name}, unlike this Engage's schema; it "
                        "was not written by Engage or is damaged.")
    for name, columns in schema.items():
        listed = tables[name].get("columns")
        if not isinstance(listed, list) or not all(
                isinstance(c, list) and len(c) == 2 for c in listed) \
                or {c[0]: c[1] for c in listed} != {c: kind for c, kind in columns}:
            raise LakeError(f"the columns of table {name} in the lake {lake} are not those "
                            "of this Engage's schema; it was not written by Engage or is "
                            "damaged.")


def _create_view(con: duckdb.DuckDBPyConnection, folder: Path, name: str,
                 columns: list[list[str]]) -> None:
    """The view *name* of the table's Parquet files, each column of its schema type (the
    journal's import_id comes from the partition directories' names)."""
    select = ", ".join(f'CAST("{c}" AS {kind}) AS "{c}"' for c, kind in columns)
    hive = "true" if name in PARTITIONED else "false"
    try:
        # names and types from the schema's catalog, the path a quoted literal (a view
        # takes no parameters)
        con.execute(f'CREATE VIEW "{name}" AS SELECT {select} '  # noqa: S608
                    f"FROM read_parquet({_literal(Path(table_glob(folder, name)))}, "
                    f"hive_partitioning = {hive})")
    except duckdb.Error as exc:
        raise LakeError(f"table {name} of the lake {folder} cannot be read "
                        f"({str(exc).splitlines()[0]}); the lake is damaged or incomplete."
                        ) from exc


def _check_rows(con: duckdb.DuckDBPyConnection, manifest: dict[str, Any],
                lake: str | Path) -> None:
    """Every table holds the rows its manifest says (read from the Parquet footers)."""
    for name, entry in manifest["tables"].items():
        try:
            [(count,)] = con.execute(f'SELECT COUNT(*) FROM "{name}"').fetchall()  # noqa: S608
        except duckdb.Error as exc:
            raise LakeError(f"table {name} of the lake {lake} cannot be read "
                            f"({str(exc).splitlines()[0]}); the lake is damaged or being "
                            "written: try again when its writer has finished.") from exc
        if count != entry.get("rows"):
            raise LakeError(f"table {name}: the manifest of the lake {lake} says "
                            f"{entry.get('rows')} rows but its files hold {count}; the lake "
                            "is damaged or being written: try again when its writer has "
                            "finished.")
