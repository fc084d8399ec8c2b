"""Imports, undo and identity decisions on a lake, by Spark: a lake grows by import like
the DuckDB store, and lands each change whole or not at all.

An import, step by step:

1. **Reading and normalizing the file** is the DuckDB path's own code
   (:func:`engage_metrics.importer.import_files`), run on a scratch DuckDB store that holds
   the lake's import history, settings, classification, ladder and identity decisions —
   everything an import reads — but none of its rows. Reading a file (encodings, title
   rows, layouts, mappings, the date order, adapters, the fast CSV reader) is Python and
   DuckDB on one file; its normalization (sql/import/*.sql) is DuckDB SQL built on ~40
   DuckDB macros, lambdas and list functions, run on that one file's rows. This is the one
   place the Spark path does not run the SQL on Spark: a file is read on one machine
   whatever the engine, so the same code gives the same rows, rejections, notes, duplicate
   detection and replacement of the same file imported with other choices, and the same
   one-line errors. What scales — the journal of every import, identity resolution, the
   canonical tables, facts and metrics — runs on Spark.
2. The new import's journal rows (import_log, raw_*, rejected_row: the one file's rows)
   come to Spark through Arrow and join the lake's journal (without the import the file
   replaces, if any).
3. Spark derives identifier, record_key, person, event, participation, ask and the
   per-person facts from the whole journal (:mod:`engage_spark.resolve`: the resolve SQL
   transpiled, label propagation looped on Spark).
4. Everything is written by Spark into ``LAKE/.staging``: the new journal partitions
   (``import_id=N/``), the derived tables whole, the snapshot tables empty (Spark
   computes a report's facts for the window asked; a DuckDB store read from the lake
   recomputes its snapshots, their stamps being removed from meta), meta with its data
   version raised, and the new manifest.
5. Commit (:mod:`engage_metrics.lake_commit`): a plan of what moves is written into the
   staging directory (the commit point), then the staged tables and partitions are
   renamed into place (the replaced ones and an undone import's partitions moved aside),
   then the manifest is replaced, then what was moved aside is deleted. Until the commit
   point, the lake is untouched: a failure (a bad file, an error in Spark) leaves it byte
   for byte as it was. A process that dies after it leaves a plan that the next change
   (or ``./scripts/spark recover``) finishes before anything else; readers refuse the lake
   until then.

Undo removes an import's partitions and derives again; a merge decision adds a row to
identity_decision and derives again (keep-apart is recorded only, as in DuckDB); undoing
the links by name into a person adds a keep-apart decision per link and derives again.
Imports, undo and decisions need a lake on a local or mounted file system (the commit
renames directories), and take turns (a lock on ``LAKE/.lock``); reports read any URI
Spark reads.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from engage_metrics import db, importer, lake, lake_commit, resolve
from engage_metrics.importer import ImportResult
from engage_metrics.lake import MANIFEST, PARTITION_COLUMN, PARTITIONED, LakeError
from engage_metrics.options import FileLayout, ImportOptions
from engage_spark import session
from engage_spark.resolve import DERIVED, derive
from engage_spark.script import Tables
from engage_spark.transpile import to_spark

# what an import reads from the store besides the file (the scratch store is seeded with it)
SEED = ("setting", "classification", "ladder", "import_log", "identity_decision")
SNAPSHOTS = ("depth_snapshot", "window_snapshot", "window_person_snapshot",
             "window_depth_snapshot")


def create(folder: Path) -> None:
    """A new, empty lake in *folder* (a directory holding nothing but the lock): an empty
    store's tables, settings and default classification and ladder, written beside and
    moved in, the manifest last."""
    if any(p.name != lake_commit.LOCK for p in folder.iterdir()):
        raise LakeError(f"{folder} is not an Engage lake (it has no {MANIFEST}) and is not "
                        "empty; give a new directory for a new lake.")
    with tempfile.TemporaryDirectory(dir=folder, prefix=".new") as tmp:
        con = db.connect(Path(tmp) / "new.duckdb")
        try:
            lake.export_lake(con, Path(tmp) / "lake")
        finally:
            con.close()
        made = Path(tmp) / "lake"
        for entry in sorted(made.iterdir(), key=lambda p: p.name == MANIFEST):
            os.rename(entry, folder / entry.name)


def open_lake(spark: SparkSession, folder: Path, create_new: bool = False) -> dict[str, Any]:
    """The lake at *folder* as views of *spark* (created first when *create_new* and
    there is none); its manifest."""
    if create_new and not (folder / MANIFEST).exists():
        create(folder)
    manifest = lake.read_manifest(folder)
    session.open_lake(spark, str(folder))
    return manifest


def import_ids(spark: SparkSession) -> set[int]:
    return {r[0] for r in spark.sql("SELECT import_id FROM import_log").collect()}


def import_files(spark: SparkSession, folder: Path, paths: Sequence[Path],
                 options: ImportOptions, layouts: Sequence[FileLayout | None] | None = None
                 ) -> list[ImportResult]:
    """Import *paths* into the lake *folder* (created when new); one result per file, as
    :func:`engage_metrics.importer.import_files` gives them. The lake is written once,
    after every file of the call was read."""
    with lake_commit.writing(folder):
        return _import_files(spark, folder, paths, options, layouts)


def _import_files(spark: SparkSession, folder: Path, paths: Sequence[Path],
                  options: ImportOptions, layouts: Sequence[FileLayout | None] | None
                  ) -> list[ImportResult]:
    manifest = open_lake(spark, folder, create_new=True)
    before = import_ids(spark)
    with tempfile.TemporaryDirectory() as tmp:
        con = db.connect(Path(tmp) / "scratch.duckdb")
        try:
            _seed(con, spark)
            results = importer.import_files(con, paths, options, layouts)
            after = {r[0] for r in con.execute("SELECT import_id FROM import_log").fetchall()}
            new, gone = sorted(after - before), sorted(before - after)
            rows = {t: _journal_rows(con, spark, t, new) for t in PARTITIONED} if new else {}
        finally:
            con.close()
    if new or gone:
        apply(spark, folder, manifest, rows, gone)
    return results


def _seed(con: duckdb.DuckDBPyConnection, spark: SparkSession) -> None:
    """The scratch store holds the lake's :data:`SEED` tables (a few rows each)."""
    for name in SEED:
        frame = spark.table(name)
        rows = frame.toArrow()   # noqa: F841 - read by DuckDB below, by its name
        con.execute(f"DELETE FROM {name}")  # noqa: S608 - fixed table names
        con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM rows")  # noqa: S608


def _journal_rows(con: duckdb.DuckDBPyConnection, spark: SparkSession, table: str,
                  ids: list[int]) -> DataFrame:
    """The scratch store's journal rows of the imports *ids* (one file's) as a Spark frame
    of the lake's column types, through Arrow."""
    rows = con.sql(f"SELECT * FROM {table} WHERE list_contains($ids, import_id)",  # noqa: S608
                   params={"ids": ids}).to_arrow_table()
    like = spark.table(table)
    if rows.num_rows == 0:
        return like.where(F.lit(False))
    frame = spark.createDataFrame(rows)
    return frame.select(*[F.col(c).cast(t).alias(c) for c, t in like.dtypes])


def undo(spark: SparkSession, folder: Path, import_id: int) -> None:
    """Remove import *import_id* from the lake *folder* and derive again."""
    with lake_commit.writing(folder):
        manifest = open_lake(spark, folder)
        if import_id not in import_ids(spark):
            raise ValueError(f"there is no import #{import_id}")
        apply(spark, folder, manifest, {}, [import_id])


def decide(spark: SparkSession, folder: Path, decision: str, person_a: int,
           person_b: int) -> None:
    """A merge / keep-apart decision between two people of the lake *folder*, keyed by
    their strongest identifiers as :func:`engage_metrics.resolve.decide` keys it; a merge
    derives the lake again."""
    if decision not in ("merge", "apart"):
        raise ValueError("decision must be 'merge' or 'apart'")
    with lake_commit.writing(folder):
        manifest = open_lake(spark, folder)
        keys = spark.sql("SELECT person_id, MIN(key) AS key FROM identifier "
                         "WHERE person_id IN (:a, :b) GROUP BY person_id",
                         args={"a": person_a, "b": person_b}).collect()
        if len(keys) != 2:
            raise ValueError("both people must exist and be different")
        key_a, key_b = sorted(r["key"] for r in keys)
        decided = spark.sql(
            "SELECT * FROM identity_decision WHERE NOT (decision = :d AND key_a = :a "
            "AND key_b = :b) UNION ALL SELECT :d, :a, :b, CAST(:at AS TIMESTAMP_NTZ)",
            args={"d": decision, "a": key_a, "b": key_b,
                  "at": datetime.now(UTC).replace(tzinfo=None)})
        apply(spark, folder, manifest, {}, [], decisions=decided,
              derive_again=decision == "merge")


def unlink(spark: SparkSession, folder: Path, person_id: int) -> int:
    """Undo every link by name into person *person_id* of the lake *folder*, as
    :func:`engage_metrics.resolve.unlink` undoes one on a store: for each link key that
    resolve/links.sql lists for the person, a keep-apart decision between it and the
    person's email key; then the lake is derived again (the name-only rows become their
    own weak person). Returns how many links were undone."""
    with lake_commit.writing(folder):
        manifest = open_lake(spark, folder)
        query = to_spark(resolve.sql_text("resolve/links.sql"))
        links = spark.sql(query.sql, args=query.args({})).where(F.col("person_id") == person_id)
        found = links.count()
        if found == 0:
            raise ValueError(f"person #{person_id} has no link by name (the Data page lists "
                             "them under Linked by name)")
        at = datetime.now(UTC).replace(tzinfo=None)
        new = links.select(F.lit("apart").alias("decision"), F.col("link_key").alias("key_a"),
                           F.col("email_key").alias("key_b"),
                           F.lit(at).cast("timestamp_ntz").alias("decided_at"))
        kept = spark.table("identity_decision").join(
            new.select("decision", "key_a", "key_b"), ["decision", "key_a", "key_b"], "left_anti")
        apply(spark, folder, manifest, {}, [], decisions=kept.unionByName(new))
        return found


def apply(spark: SparkSession, folder: Path, manifest: dict[str, Any],
          new_rows: dict[str, DataFrame], gone: Iterable[int],
          decisions: DataFrame | None = None, derive_again: bool = True) -> None:
    """Change the lake *folder* (its tables are *spark*'s views): add the journal rows
    *new_rows* (by table), remove the imports *gone*, replace identity_decision with
    *decisions*; derive the canonical tables again; stage everything, then commit."""
    gone = sorted(gone)
    tables = Tables(spark)
    for name in PARTITIONED:
        if name in new_rows or gone:
            rows = spark.table(name)
            if gone:
                rows = rows.where(~F.col(PARTITION_COLUMN).isin(gone))
            if name in new_rows:
                rows = rows.unionByName(new_rows[name])
            tables.put(name, rows)
    written = list(SNAPSHOTS) + ["meta"]
    if decisions is not None:
        tables.put("identity_decision", decisions)
        written.append("identity_decision")
    if derive_again:
        derive(tables)
        written += DERIVED
    for name in SNAPSHOTS:
        tables.put(name, spark.table(name).where(F.lit(False)))
    tables.put("meta", spark.sql(
        "SELECT key, CASE WHEN key = 'data_version' THEN CAST(CAST(value AS INT) + 1 AS STRING) "
        "ELSE value END AS value FROM meta WHERE key NOT IN "
        "('depth_snapshot', 'window_snapshot', 'window_person_snapshot', "
        "'window_depth_snapshot')"))
    staging = folder / lake_commit.STAGING
    try:
        plan = _stage(spark, staging, manifest, written, new_rows, gone)
        lake_commit.commit(folder, plan)
    finally:
        if not lake_commit.pending(folder):     # a commit cut short is finished next time
            shutil.rmtree(staging, ignore_errors=True)
        tables.release()


def _typed(spark: SparkSession, frame: DataFrame, entry: dict[str, Any]) -> DataFrame:
    """*frame* with the lake's column types of its table (the manifest's), in its order."""
    return frame.select(*[F.col(f"`{name}`").cast(session.SPARK_TYPES[kind]).alias(name)
                          for name, kind in entry["columns"]])


def stage_table(frame: DataFrame, where: Path, partitioned: bool = False) -> None:
    """Write *frame* as Parquet into *where* (by import when *partitioned*)."""
    writer = frame.write.mode("error")
    if partitioned:
        writer = writer.partitionBy(PARTITION_COLUMN)
    writer.parquet(str(where))


def _stage(spark: SparkSession, staging: Path, manifest: dict[str, Any], written: list[str],
           new_rows: dict[str, DataFrame], gone: list[int]) -> dict[str, Any]:
    """Write what changes into *staging*; what :func:`engage_metrics.lake_commit.commit`
    moves into place."""
    entries = json.loads(json.dumps(manifest["tables"]))
    whole: list[str] = []
    parts: dict[str, list[str]] = {}
    for name in written:
        stage_table(_typed(spark, spark.table(name), entries[name]), staging / "tables" / name)
        entries[name]["rows"] = spark.table(name).count()
        entries[name]["partitioned_by"] = []
        whole.append(name)
    for name in PARTITIONED:
        if name not in new_rows and not gone:
            continue
        rows = spark.table(name).count()
        was_partitioned = bool(entries[name].get("partitioned_by"))
        if rows == 0 or not was_partitioned:     # the table's directory is replaced
            frame = _typed(spark, spark.table(name), entries[name])
            stage_table(frame, staging / "tables" / name, partitioned=rows > 0)
            whole.append(name)
        elif name in new_rows:
            stage_table(_typed(spark, new_rows[name], entries[name]),
                        staging / "parts" / name, partitioned=True)
            parts[name] = sorted(p.name for p in (staging / "parts" / name).iterdir()
                                 if p.name.startswith(f"{PARTITION_COLUMN}="))
        entries[name]["rows"] = rows
        entries[name]["partitioned_by"] = [PARTITION_COLUMN] if rows else []
    new_manifest = {**manifest, "tables": entries,
                    "updated_at": datetime.now(UTC).isoformat(timespec="seconds")}
    (staging / MANIFEST).write_text(json.dumps(new_manifest, indent=2))
    return {"whole": whole, "parts": parts, "gone": gone}
