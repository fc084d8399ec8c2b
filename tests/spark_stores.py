"""Stores for the Spark tests, built once per module by tests/test_spark.py: the golden
organization (the golden export files of most tools, imported into one store), the same
after an overlapping import, an undo and a merge decision, and the demo organization."""
from __future__ import annotations

from pathlib import Path

import duckdb

from engage_metrics import db, resolve
from engage_metrics.importer import import_files, undo_import

GOLDEN = Path(__file__).resolve().parent / "golden"
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
