"""Backup and restore of the whole store: one Parquet file per table plus a manifest.

A backup is a directory (or the same files zipped, for the dashboard's download
button) holding every table of the store — journal, canonical tables, settings,
classification, ladder, identity decisions and meta — and ``manifest.json`` with
the schema version, each table's row count and each file's sha256. Restore checks
all of that before it writes anything, builds the new store in a side file and
moves it into place only when it is complete, so a failed restore leaves nothing
half-written. A backup from an older schema version is loaded by column name into
the current schema (migrations only add columns); one from a newer version is refused.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from engage_metrics import db, resolve
from engage_metrics.transaction import transaction

MANIFEST = "manifest.json"
FORMAT = "engage-backup"
FORMAT_VERSION = 1
# Tables a new store fills by itself; every other table must be empty for a restore target.
SEEDED_TABLES = frozenset({"meta", "setting", "classification", "ladder"})


class BackupError(ValueError):
    """A backup cannot be written or restored; the message says why and what to do."""


def store_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every permanent table of the store, by name."""
    return [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND schema_name = 'main' "
        "ORDER BY table_name").fetchall()]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup(con: duckdb.DuckDBPyConnection, out_dir: str | Path) -> dict[str, Any]:
    """Write every table to ``out_dir`` (new or empty) as Parquet, plus the manifest.

    All tables are read in one transaction of a separate cursor: a consistent
    snapshot even while another session imports."""
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupError(f"{out} already exists and is not an empty directory; choose a new "
                          "directory for the backup so no older backup is overwritten.")
    out.mkdir(parents=True, exist_ok=True)
    cur = con.cursor()
    try:
        cur.execute("BEGIN TRANSACTION")
        version = db.schema_version(cur)
        tables: dict[str, dict[str, Any]] = {}
        for name in store_tables(cur):
            data = cur.sql(f'SELECT * FROM "{name}"').to_arrow_table()  # noqa: S608
            path = out / f"{name}.parquet"
            pq.write_table(data, path)
            tables[name] = {"file": path.name, "rows": data.num_rows, "sha256": _sha256(path)}
        cur.execute("COMMIT")
    finally:
        cur.close()
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "schema_version": version,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "tables": tables}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return manifest


def backup_zip(con: duckdb.DuckDBPyConnection) -> bytes:
    """The backup as the bytes of a zip file (the dashboard's download button)."""
    with tempfile.TemporaryDirectory(prefix="engage-backup-") as tmp:
        manifest = backup(con, Path(tmp) / "backup")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(Path(tmp) / "backup" / MANIFEST, MANIFEST)
            for entry in manifest["tables"].values():
                zf.write(Path(tmp) / "backup" / entry["file"], entry["file"])
    return buffer.getvalue()


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a backup folder, checked: format, schema version, files, checksums."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{folder} is not an Engage backup: it has no {MANIFEST}.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"{folder / MANIFEST} cannot be read ({exc}); the backup is "
                          "damaged. Use another backup.") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT \
            or not isinstance(manifest.get("tables"), dict):
        raise BackupError(f"{folder / MANIFEST} is not an Engage backup manifest.")
    version = manifest.get("schema_version")
    if not isinstance(version, int) or version < 1:
        raise BackupError(f"{folder / MANIFEST} has no valid schema version; the backup is "
                          "damaged. Use another backup.")
    if version > db.SCHEMA_VERSION:
        raise BackupError(f"the backup in {folder} was made by a newer Engage (schema "
                          f"{version}); this one reads schema {db.SCHEMA_VERSION}. Upgrade "
                          "Engage, then restore it.")
    for name, entry in manifest["tables"].items():
        file = folder / Path(str(entry.get("file", ""))).name
        if not file.is_file():
            raise BackupError(f"the backup in {folder} lacks {file.name} (table {name}); it is "
                              "incomplete. Use another backup.")
        if _sha256(file) != entry.get("sha256"):
            raise BackupError(f"{file.name} in {folder} does not match the checksum in the "
                              "manifest: the backup was changed or damaged after it was made. "
                              "Use another backup.")
    return manifest


def _check_target(db_path: Path) -> None:
    """The target must be a new path or a store without data (e.g. one just created)."""
    if not db_path.exists():
        return
    con = db.connect(db_path)
    try:
        filled = [t for t in store_tables(con) if t not in SEEDED_TABLES
                  and con.execute(f'SELECT COUNT(*) FROM "{t}"').fetchall()[0][0]]  # noqa: S608
    finally:
        con.close()
    if filled:
        raise BackupError(f"{db_path} already holds data (table {filled[0]}); restore into a "
                          "new file (another --db path) so nothing is overwritten.")


def _load(con: duckdb.DuckDBPyConnection, folder: Path, manifest: dict[str, Any]) -> None:
    """Replace every table's rows with the backup's, in the caller's transaction."""
    tables = set(store_tables(con))
    unknown = sorted(set(manifest["tables"]) - tables)
    if unknown:
        raise BackupError(f"the backup has table {unknown[0]}, which this Engage does not "
                          "know; it was not made by Engage. Use another backup.")
    for name in sorted(tables):
        con.execute(f'DELETE FROM "{name}"')  # noqa: S608 - names from the catalog
    for name, entry in manifest["tables"].items():
        data: pa.Table = pq.read_table(folder / Path(entry["file"]).name)
        if name == "meta":      # the store keeps its own (current) schema version
            keep = [k != "schema_version" for k in data.column("key").to_pylist()]
            data = data.filter(pa.array(keep, type=pa.bool_()))
        con.register("restore_frame", data)
        try:
            con.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM restore_frame')  # noqa: S608
        except duckdb.Error as exc:
            raise BackupError(f"table {name} of the backup does not fit this Engage's schema "
                              f"({str(exc).splitlines()[0]}); it was not made by Engage or "
                              "is damaged.") from exc
        finally:
            con.unregister("restore_frame")
        [(count,)] = con.execute(f'SELECT COUNT(*) FROM "{name}"').fetchall()  # noqa: S608
        if name != "meta" and count != entry["rows"]:
            raise BackupError(f"table {name}: the manifest says {entry['rows']} rows but "
                              f"{count} were restored; the backup is damaged.")
    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', $v)",
                {"v": str(db.SCHEMA_VERSION)})


def restore(source: str | Path, db_path: str | Path) -> dict[str, Any]:
    """Restore the backup folder (or zip) *source* into the new or empty store *db_path*."""
    source, db_path = Path(source), Path(db_path)
    if source.is_file() and zipfile.is_zipfile(source):
        with tempfile.TemporaryDirectory(prefix="engage-restore-") as tmp:
            with zipfile.ZipFile(source) as zf:
                for member in zf.namelist():     # flat: never write outside tmp
                    (Path(tmp) / Path(member).name).write_bytes(zf.read(member))
            return restore(tmp, db_path)
    if not source.is_dir():
        raise BackupError(f"{source} is not a backup folder or zip file.")
    manifest = read_manifest(source)
    build_store(db_path, ".restoring", lambda con: _load(con, source, manifest),
                manifest["schema_version"])
    return manifest


def build_store(db_path: Path, suffix: str, load: Callable[[duckdb.DuckDBPyConnection], None],
                schema_version: int) -> None:
    """Fill the new (or empty) store *db_path* by *load* (a restore, a lake read back), in a
    side file named with *suffix* that is moved into place when complete, so nothing
    half-written is ever at *db_path*. Data of an older *schema_version* may lack what this
    schema's canonical tables, facts and snapshots hold: they are derived again from its
    journal and settings."""
    _check_target(db_path)
    side = db_path.with_name(db_path.name + suffix)
    _remove(side)
    try:
        con = db.connect(side)
        try:
            with transaction(con):
                load(con)
                if schema_version < db.SCHEMA_VERSION:
                    resolve.rebuild(con)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        _remove(db_path)
        os.replace(side, db_path)
    finally:
        _remove(side)


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)
