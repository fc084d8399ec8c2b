"""Stores for the Spark tests, built once per module by tests/test_spark.py: the golden
organization (the golden export files of most tools, imported into one store), the same
after an overlapping import, an undo and a merge decision, and the demo organization."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import duckdb

from engage_metrics import db, resolve
from engage_metrics.importer import import_files, undo_import

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
SPARK = ROOT / "scripts" / "spark"
# small and quick: tiny data, two shuffle partitions, no web UI, no whole-stage code
# generation (compiling each stage's code costs more than running it on a few rows: a
# derivation of the golden lake took 14 s without it, 30 s with it, warm)
FAST = ["spark.sql.shuffle.partitions=2", "spark.ui.enabled=false",
        "spark.sql.codegen.wholeStage=false"]
FAST_ARGS = [a for c in FAST for a in ("--conf", c)]


def spark_env() -> dict[str, str]:
    """The environment of a Spark process of the tests: this checkout, Spark on loopback."""
    return {**os.environ, "PYTHONPATH": str(ROOT), "SPARK_LOCAL_IP": "127.0.0.1"}


def spark_cli(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    """`./scripts/spark ARGS` in a new process."""
    return subprocess.run([str(SPARK), *args], capture_output=True, text=True,
                          env=spark_env(), timeout=timeout)
# one call: Mobilize's shift export is joined with its event export, the others are one
# import each
GOLDEN_FILES = ("mobilize/shift export.csv", "mobilize/event export.csv",
                "generic/signups.csv", "van/EventParticipants20240312-11056504994.txt",
                "civicrm/CiviCRM_Participant_Search.csv", "galaxy_digital/hours.csv",
                "salesforce_v4s/Volunteer Hours report.csv",
                "signupgenius/report_filled_4567.csv",
                "google_forms/Volunteer Sign-In (Responses) - Form Responses 1.csv",
                "zoom/meeting report.csv")
# overlaps generic/signups.csv: Bob's no-show becomes an attendance, Ana's row is the same
OVERLAPPING = ("Email,First Name,Last Name,Event,Event Type,Date,Status\n"
               "ana@example.org,Ana,Lopez,Potluck,Potluck,2024-03-02,Attended\n"
               "bob@example.org,Bob,Smith,Potluck,Potluck,2024-03-02,Attended\n"
               "dan@example.org,Dan,Wu,Phone bank,Phone bank,2024-03-20,Attended\n")


def golden(path: Path) -> duckdb.DuckDBPyConnection:
    """The golden organization in a new store at *path*."""
    con = db.connect(path)
    results = import_files(con, [GOLDEN / f for f in GOLDEN_FILES])
    assert all(r.status == "imported" for r in results), [r.summary() for r in results]
    return con


def change(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """An overlapping import, the undo of the Galaxy Digital import and a merge of two
    people, on the golden organization's store *con*."""
    overlap = folder / "potluck again.csv"
    overlap.write_text(OVERLAPPING)
    [result] = import_files(con, [overlap])
    assert result.status == "imported", result.summary()
    [(galaxy,)] = con.execute("SELECT import_id FROM import_log "
                              "WHERE source = 'galaxy_digital'").fetchall()
    undo_import(con, galaxy)
    [(a,), (b,)] = con.execute("SELECT person_id FROM person WHERE email IN "
                               "('eve@example.org', 'fay@example.org')").fetchall()
    resolve.decide(con, "merge", a, b)


# Each canonical table by content: person and event ids (which number people and events in
# the order they were first seen, so depend on how the imports were grouped into calls)
# replaced by what identifies them — a person by the smallest of their keys, an event by
# its source and key; ident_no and ask_id (numberings too) left out.
CONTENT = {
    "identifier": "SELECT i.key, i.kind, p.pkey FROM identifier i "
                  "LEFT JOIN pkey p ON p.person_id = i.person_id",
    "record_key": "SELECT rec, key, kind, own FROM record_key",
    "person": "SELECT p.pkey, x.full_name, x.first_name, x.last_name, x.email, x.phone, "
              "x.first_seen, r.pkey AS recruited_by, x.weak_identity FROM person x "
              "JOIN pkey p ON p.person_id = x.person_id "
              "LEFT JOIN pkey r ON r.person_id = x.recruited_by",
    "event": "SELECT * EXCLUDE (event_id) FROM event",
    "participation": "SELECT p.pkey, e.source, e.event_key, x.* EXCLUDE (person_id, event_id) "
                     "FROM participation x JOIN pkey p ON p.person_id = x.person_id "
                     "JOIN event e ON e.event_id = x.event_id",
    "ask": "SELECT p.pkey, x.* EXCLUDE (person_id, ask_id) FROM ask x "
           "JOIN pkey p ON p.person_id = x.person_id",
    "person_fact": "SELECT p.pkey, x.* EXCLUDE (person_id) FROM person_fact x "
                   "JOIN pkey p ON p.person_id = x.person_id",
    "person_program_fact": "SELECT p.pkey, x.* EXCLUDE (person_id) FROM person_program_fact x "
                           "JOIN pkey p ON p.person_id = x.person_id",
    "journal": "SELECT import_id, file_name, sha256, kind, source, rows_read, rows_accepted, "
               "rows_rejected, rows_skipped, notes FROM import_log",
    "rejected_row": "SELECT import_id, line_no, raw, reason FROM rejected_row",
}


def content(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every canonical table of the store (or lake views) *con* by content, rows sorted."""
    con.execute("CREATE OR REPLACE TEMP TABLE pkey AS SELECT person_id, MIN(key) AS pkey "
                "FROM identifier GROUP BY person_id")
    return {name: sorted(con.execute(sql).fetchall(), key=repr)
            for name, sql in CONTENT.items()}


def lake_views(folder: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with the lake *folder*'s tables as views."""
    from engage_metrics import lake

    con = duckdb.connect()
    for name in lake.read_manifest(folder)["tables"]:
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet("  # noqa: S608
                    f"'{lake.table_glob(folder, name)}', hive_partitioning = true)")
    return con
