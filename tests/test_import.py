"""The generic importer: encodings, delimiters, dates, statuses, identity,
atomicity, idempotence, overlap updates and undo."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from engage_metrics import db, importer, resolve
from engage_metrics.importer import import_files
from engage_metrics.options import ImportOptions

HEADER = "Email,First Name,Last Name,Event,Event Type,Start,Status,Role,Hours,Program\n"


def rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def one(con, sql: str):
    return con.execute(sql).fetchone()[0]


def snapshot(con) -> dict[str, list[tuple]]:
    """Every table's content, ordered, to compare states exactly."""
    tables = [r[0] for r in rows(con, "SELECT table_name FROM duckdb_tables() "
                                      "WHERE NOT temporary ORDER BY 1")]
    return {t: sorted(map(repr, rows(con, f"SELECT * FROM {t}"))) for t in tables}


def test_generic_csv_lands_normalized(store, write):
    path = write("signups.csv", HEADER +
                 "Ana@X.org ,Ana,Lopez,Canvass Oct,Canvass,10/05/2024 9:00 AM,Attended,volunteer,3,Field\n"
                 "bob@x.org,Bob,Smith,Canvass Oct,Canvass,10/05/2024 9:00 AM,No-Show,volunteer,,Field\n"
                 "cara@x.org,Cara,Diaz,Potluck,Potluck,2024-10-12 18:00:00,Checked In,host,2.5,\n")
    # 10/05/2024 reads both ways and nothing else tells: month-first is chosen
    [r] = import_files(store, [path], ImportOptions(date_order="mdy"))
    assert (r.status, r.rows_read, r.accepted, r.rejected) == ("imported", 3, 3, 0)
    assert rows(store, "SELECT email FROM person ORDER BY person_id") == [
        ("ana@x.org",), ("bob@x.org",), ("cara@x.org",)]
    assert rows(store, "SELECT p.email, e.title, pa.status, pa.role, pa.hours, pa.rung, e.program "
                       "FROM participation pa JOIN person p USING (person_id) "
                       "JOIN event e USING (event_id) ORDER BY 1") == [
        ("ana@x.org", "Canvass Oct", "attended", "volunteer", 3.0, 3, "Field"),
        ("bob@x.org", "Canvass Oct", "no_show", "volunteer", None, 3, "Field"),
        # host -> rung 4; relationship event; no program -> Unassigned
        ("cara@x.org", "Potluck", "attended", "host", 2.5, 4, "Unassigned"),
    ]
    assert rows(store, "SELECT title, mode, task_weight, touch_weight, classified FROM event "
                       "ORDER BY 1") == [("Canvass Oct", "task", 1.0, 0.0, True),
                                         ("Potluck", "relationship", 0.0, 1.0, True)]
    log = rows(store, "SELECT file_name, rows_read, rows_accepted, rows_rejected, mapping "
                      "FROM import_log")[0]
    assert log[:4] == ("signups.csv", 3, 3, 0)
    assert json.loads(log[4])["email"] == "Email"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_encodings_and_delimiters(store, write, encoding, delimiter):
    text = (f"Email{delimiter}Name{delimiter}Event{delimiter}Date\r\n"
            f"jose@x.org{delimiter}José Muñoz{delimiter}Café “social”{delimiter}2024-05-01\r\n")
    [r] = import_files(store, [write("f.csv", text, encoding)])
    assert r.accepted == 1
    assert rows(store, "SELECT full_name FROM person") == [("José Muñoz",)]
    assert rows(store, "SELECT title FROM event") == [("Café “social”",)]


@pytest.mark.parametrize("text, expected", [
    ("2024-03-09", datetime(2024, 3, 9)),
    ("2024-03-09 18:05:33", datetime(2024, 3, 9, 18, 5, 33)),
    ("2024-03-09T18:05:00", datetime(2024, 3, 9, 18, 5)),
    # offsets are converted to the organization's zone (America/New_York, EST in March 9)
    ("2024-03-09T19:00:00-05:00", datetime(2024, 3, 9, 19, 0)),
    ("2024-03-09 23:30:00+00", datetime(2024, 3, 9, 18, 30)),   # evening event, next UTC day
    ("2024-03-10T02:30:00Z", datetime(2024, 3, 9, 21, 30)),
    ("03/09/2024", datetime(2024, 3, 9)),
    ("3/9/2024 9:05 PM", datetime(2024, 3, 9, 21, 5)),
    ("3/9/2024 18:05:33", datetime(2024, 3, 9, 18, 5, 33)),
    ("11/29/24 22:28", datetime(2024, 11, 29, 22, 28)),
])
def test_date_formats(store, write, text, expected):
    # one row's 03/09/2024 cannot settle its order: month-first is chosen
    [r] = import_files(store, [write("d.csv", f"Email,Event,Start\na@x.org,Meeting,\"{text}\"\n")],
                       ImportOptions(date_order="mdy"))
    assert r.accepted == 1, r.rejected_rows
    assert one(store, "SELECT starts_at FROM event") == expected


@pytest.mark.parametrize("raw, status", [
    ("Completed", "attended"), ("Checked In", "attended"), ("Attended", "attended"),
    ("Present", "attended"), ("Walk In", "attended"), ("Yes", "attended"),
    ("No-Show", "no_show"), ("No Show", "no_show"), ("Absent", "no_show"),
    ("Canceled", "cancelled"), ("Cancelled", "cancelled"), ("Declined", "cancelled"),
    ("Not Attending", "cancelled"), ("Registered", "registered"), ("Confirmed", "registered"),
    ("Scheduled", "registered"), ("RSVP", "registered"), ("Attending", "registered"),
    ("Signed up", "registered"), ("SIGNED_UP", "registered"),
])
def test_status_vocabulary(store, write, raw, status):
    import_files(store, [write("s.csv", f"Email,Event,Date,Status\na@x.org,Rally,2024-01-01,{raw}\n")])
    assert one(store, "SELECT status FROM participation") == status


def test_unknown_and_blank_statuses_are_rejected_with_the_value(store, write):
    [r] = import_files(store, [write("s.csv", "Email,Event,Date,Status\n"
                                              "a@x.org,Rally,2024-01-01,Maybe Later\n"
                                              "b@x.org,Rally,2024-01-01,\n"
                                              "c@x.org,Rally,2024-01-01,attended\n")])
    assert r.accepted == 1
    assert r.rejected_rows[["line_no", "reason"]].values.tolist() == [
        [2, "unknown status 'Maybe Later'"], [3, "blank status"]]
    assert rows(store, "SELECT line_no, reason, raw FROM rejected_row ORDER BY 1") == [
        (2, "unknown status 'Maybe Later'", "a@x.org,Rally,2024-01-01,Maybe Later"),
        (3, "blank status", "b@x.org,Rally,2024-01-01,")]


def test_registrations_as_attendance_option_and_no_status_column(store, write):
    path = write("rsvps.csv", "Email,Event,Date,Status\na@x.org,Rally,2024-01-01,Registered\n"
                              "b@x.org,Rally,2024-01-01,Cancelled\n")
    import_files(store, [path], ImportOptions(treat_registered_as_attended=True))
    assert rows(store, "SELECT status FROM participation ORDER BY person_id") == [
        ("attended",), ("cancelled",)]
    # a sign-in sheet has no status column: every row is an attendance
    [r] = import_files(store, [write("signin.csv", "Name,Event,Date\nAna Lopez,Rally,2024-02-01\n")])
    assert "no status column" in " ".join(r.notes)
    assert one(store, "SELECT status FROM participation JOIN event USING (event_id) "
                      "WHERE event_date = DATE '2024-02-01'") == "attended"


def test_blank_lines_totals_and_footer_are_skipped(store, write):
    text = ("\"Email\",\"Event\",\"Date\",\"Hours\"\n\"a@x.org\",\"Shift\",\"2024-01-01\",\"2\"\n\n"
            "\"b@x.org\",\"Shift\",\"2024-01-01\",\"3\"\n\"Grand Totals (2 records)\",\"\",\"\",\"5\"\n"
            "\n\"Confidential Information - Do Not Distribute\"\n"
            "\"Copyright (c) 2000-2024 salesforce.com, inc. All rights reserved.\"\n")
    [r] = import_files(store, [write("sf.csv", text, "cp1252")])
    assert (r.accepted, r.rejected, r.skipped) == (2, 0, 5)
    assert one(store, "SELECT SUM(hours) FROM participation") == 5.0


def test_rejections_name_the_problem(store, write):
    text = ("Email,Name,Event,Date,Hours\n"
            ",,Rally,2024-01-01,\n"                 # 2 no identity
            "a@x.org,,,2024-01-01,\n"               # 3 no event
            "b@x.org,,Rally,,\n"                    # 4 no date
            "c@x.org,,Rally,someday,\n"             # 5 unparseable
            "d@x.org,,Rally,1900-01-01,\n"          # 6 implausible
            "e@x.org,,Rally,2024-01-01,-2\n"        # 7 negative hours
            "f@x.org,,Rally,2024-01-01,lots\n"      # 8 not a number
            "g@x.org,,Rally,2024-01-01,1\n")        # 9 fine
    [r] = import_files(store, [write("bad.csv", text)])
    reasons = dict(zip(r.rejected_rows.line_no, r.rejected_rows.reason, strict=True))
    assert reasons[2] == "no email, phone, person id or name"
    assert reasons[3] == "no event name or id"
    assert reasons[4] == "no date"
    assert reasons[5] == "unparseable date 'someday'"
    assert reasons[6].startswith("implausible date '1900-01-01'")
    assert reasons[7].startswith("hours -2 out of range")
    assert reasons[8] == "hours 'lots' is not a number"
    assert r.accepted == 1


def test_file_with_no_acceptable_row_writes_nothing(store, write, tmp_path):
    import_files(store, [write("ok.csv", "Email,Event,Date\na@x.org,Rally,2024-01-01\n")])
    before = snapshot(store)
    [r] = import_files(store, [write("bad.csv", "Email,Event,Date\na@x.org,Rally,nope\n")])
    assert r.status == "failed" and "every one of the 1 rows was rejected" in r.message
    assert len(r.rejected_rows) == 1       # still reported to the analyst
    assert snapshot(store) == before


def test_missing_required_column_is_a_clear_error(store, write):
    [r] = import_files(store, [write("x.csv", "Email,Colour\na@x.org,blue\n")])
    assert r.status == "failed"
    assert "an event column" in r.message and "a date column" in r.message
    assert "Email, Colour" in r.message
    assert one(store, "SELECT COUNT(*) FROM import_log") == 0


def test_explicit_mapping_overrides_auto_mapping(store, write):
    path = write("m.csv", "Correo,Actividad,Dia,Email\nana@x.org,Rally,2024-01-01,not-used@x.org\n")
    mapping = {"email": "Correo", "title": "Actividad", "starts_at": "Dia"}
    [r] = import_files(store, [path], ImportOptions(mapping=mapping))
    assert r.accepted == 1 and r.mapping["email"] == "Correo"
    assert rows(store, "SELECT email FROM person") == [("ana@x.org",)]


@pytest.mark.parametrize("header, field", [
    ("E-mail Address", "email"), ("email_address", "email"), ("EMAIL", "email"),
    ("given_name", "first_name"), ("Event Name", "title"), ("title", "title"),
    ("Shift Start", "starts_at"), ("starts_at", "starts_at"), ("Attendance", "status"),
    ("Hours Worked", "hours"), ("Team", "program"), ("Chapter", "program"),
    ("Campaign", "program"), ("Event Type", "event_type"), ("VANID", "external_id"),
])
def test_header_synonyms(header, field):
    from engage_metrics.mapping import auto_map
    assert auto_map([header], "participation") == {field: header}


def test_identical_file_twice_is_a_noop(store, write):
    path = write("a.csv", HEADER + "a@x.org,A,B,Rally,Rally,2024-01-01,Attended,,,X\n")
    import_files(store, [path])
    before = snapshot(store)
    [r] = import_files(store, [path])
    assert r.status == "duplicate" and "already imported as import #1" in r.message
    assert snapshot(store) == before


def canonical(con) -> list[tuple]:
    return rows(con, "SELECT p.email, e.title, e.event_date, pa.status, pa.role, pa.hours "
                     "FROM participation pa JOIN person p USING (person_id) "
                     "JOIN event e USING (event_id) ORDER BY ALL")


def test_overlapping_export_updates_instead_of_duplicating(store, write):
    import_files(store, [write("jan.csv", HEADER +
                               "a@x.org,A,B,Rally,Rally,2024-01-10,Registered,,,X\n"
                               "b@x.org,C,D,Rally,Rally,2024-01-10,Registered,,,X\n")])
    import_files(store, [write("feb.csv", HEADER +
                               "a@x.org,A,B,Rally,Rally,2024-01-10,Attended,,2,X\n"
                               "b@x.org,C,D,Rally,Rally,2024-01-10,Registered,,,X\n"
                               "c@x.org,E,F,Rally,Rally,2024-01-10,Attended,,,X\n")])
    assert canonical(store) == [
        ("a@x.org", "Rally", pd.Timestamp("2024-01-10").date(), "attended", "attendee", 2.0),
        ("b@x.org", "Rally", pd.Timestamp("2024-01-10").date(), "registered", "attendee", None),
        ("c@x.org", "Rally", pd.Timestamp("2024-01-10").date(), "attended", "attendee", None),
    ]
    assert one(store, "SELECT COUNT(*) FROM event") == 1


def test_undo_removes_exactly_what_an_import_added(store, write):
    import_files(store, [write("one.csv", HEADER + "a@x.org,A,B,Rally,Rally,2024-01-10,Registered,,,X\n")])
    before = canonical(store)
    persons_before = rows(store, "SELECT * FROM person")
    [r] = import_files(store, [write("two.csv", HEADER +
                                     "a@x.org,A,B,Rally,Rally,2024-01-10,Attended,,1,X\n"
                                     "new@x.org,N,N,Potluck,Potluck,2024-02-01,Attended,,,Y\n"
                                     "bad@x.org,N,N,Potluck,Potluck,never,Attended,,,Y\n")])
    assert canonical(store) != before
    importer.undo_import(store, r.import_id)
    assert canonical(store) == before
    assert rows(store, "SELECT * FROM person") == persons_before
    assert one(store, "SELECT COUNT(*) FROM rejected_row") == 0
    assert one(store, "SELECT COUNT(*) FROM identifier WHERE key = 'email:new@x.org'") == 0
    with pytest.raises(ValueError, match="no import #99"):
        importer.undo_import(store, 99)


def test_import_is_atomic_when_the_rebuild_fails(store, write, monkeypatch):
    import_files(store, [write("one.csv", HEADER + "a@x.org,A,B,Rally,Rally,2024-01-10,Attended,,,X\n")])
    before = snapshot(store)

    def boom(con, *args):
        raise RuntimeError("disk full")
    monkeypatch.setattr(resolve, "update", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        import_files(store, [write("two.csv", HEADER + "b@x.org,A,B,Rally,Rally,2024-01-10,Attended,,,X\n")])
    assert snapshot(store) == before


def test_identity_union_across_imports_and_keys(store, write):
    # file 1 links email a + phone; file 2 links the same phone to email b; file 3 has only b
    import_files(store, [write("1.csv", "Email,Phone,Event,Date\na@x.org,(555) 123-4567,E1,2024-01-01\n")])
    import_files(store, [write("2.csv", "Email,Phone,Event,Date\nb@x.org,+1 555 123 4567,E2,2024-02-01\n")])
    import_files(store, [write("3.csv", "Email,Event,Date\nB@X.ORG,E3,2024-03-01\n")])
    assert one(store, "SELECT COUNT(*) FROM person") == 1
    assert one(store, "SELECT COUNT(DISTINCT person_id) FROM participation") == 1
    assert one(store, "SELECT COUNT(*) FROM participation") == 3
    assert sorted(r[0] for r in rows(store, "SELECT key FROM identifier")) == [
        "email:a@x.org", "email:b@x.org", "phone:5551234567"]


def test_external_ids_are_scoped_by_source(store, write):
    text = "VANID,First Name,Last Name,Event,Date\n1001,Ana,Lopez,E1,2024-01-01\n"
    import_files(store, [write("a.csv", text)], ImportOptions(source="tool-a"))
    import_files(store, [write("other.csv", text.replace("E1", "E2"))], ImportOptions(source="tool-b"))
    assert one(store, "SELECT COUNT(*) FROM person") == 2


def test_name_only_rows_are_weak_identities_within_a_source(store, write):
    text = "Name,Event,Date\nAna  Lopez,Sign-in 1,2024-01-01\nana lopez,Sign-in 2,2024-01-08\n"
    import_files(store, [write("paper.csv", text)], ImportOptions(source="paper"))
    import_files(store, [write("email.csv", "Email,Name,Event,Date\nana@x.org,Ana Lopez,E,2024-01-09\n")])
    # the two paper rows are one weak person; the emailed Ana is NOT merged automatically
    assert rows(store, "SELECT weak_identity, COUNT(*) FROM person GROUP BY 1 ORDER BY 1") == [
        (False, 1), (True, 1)]
    cands = resolve.identity_candidates(store)
    assert len(cands) == 1 and cands.iloc[0]["why"].startswith("same name")


def test_merge_and_apart_decisions_persist_across_reimports(store, write):
    import_files(store, [write("a.csv", "Email,Name,Event,Date\nbob@x.org,Bob Smith,E1,2024-01-01\n"
                                        "rsmith@y.org,Robert Smith,E2,2024-01-02\n"
                                        "kim@x.org,Kim Lee,E1,2024-01-01\n"
                                        "kim.lee@y.org,Kim Lee,E2,2024-01-02\n")])
    cands = resolve.identity_candidates(store)
    assert set(cands["why"]) == {"same name", "same name (nickname)"}
    bob = cands[cands.why == "same name (nickname)"].iloc[0]
    kim = cands[cands.why == "same name"].iloc[0]
    resolve.decide(store, "merge", int(bob.person_a), int(bob.person_b))
    resolve.decide(store, "apart", int(kim.person_a), int(kim.person_b))
    assert one(store, "SELECT COUNT(*) FROM person") == 3
    assert resolve.identity_candidates(store).empty
    # a new import triggers a full rebuild: decisions still hold
    import_files(store, [write("b.csv", "Email,Name,Event,Date\nbob@x.org,Bob Smith,E3,2024-01-03\n")])
    assert one(store, "SELECT COUNT(*) FROM person") == 3
    assert resolve.identity_candidates(store).empty


def test_people_file_sets_recruited_by(store, write):
    import_files(store, [write("p.csv", "Email,Event,Date\na@x.org,E,2024-01-01\nb@x.org,E,2024-01-01\n")])
    [r] = import_files(store, [write("people.csv", "Email,First Name,Recruited By\n"
                                                   "b@x.org,Bea,A@x.org\nc@x.org,Cy,nobody\n")],
                       ImportOptions(kind="people"))
    assert r.accepted == 1 and "not an email" in r.rejected_rows.reason[0]
    assert rows(store, "SELECT p.email, r.email FROM person p JOIN person r "
                       "ON r.person_id = p.recruited_by") == [("b@x.org", "a@x.org")]


def test_ask_file_rung_from_number_or_text_and_outcomes(store, write):
    text = ("Email,Date,Ask,Rung,Outcome\n"
            "a@x.org,2024-01-05,Host a house meeting,,Yes\n"     # host -> 4
            "a@x.org,2024-02-05,Call voters,3,declined\n"
            "a@x.org,2024-03-05,Lead the chapter,5,\n"           # blank -> no_response
            "a@x.org,2024-03-06,Sing,,yes\n"                     # no rung derivable
            "a@x.org,2024-03-07,Knock doors,9,yes\n"             # bad rung
            "a@x.org,2024-03-08,Knock doors,3,perhaps\n")        # unknown outcome
    [r] = import_files(store, [write("asks.csv", text)], ImportOptions(kind="ask"))
    assert r.accepted == 3
    assert rows(store, "SELECT ask_date::VARCHAR, rung, outcome FROM ask ORDER BY 1") == [
        ("2024-01-05", 4, "yes"), ("2024-02-05", 3, "no"), ("2024-03-05", 5, "no_response")]
    assert sorted(r.rejected_rows.reason.str.split(" ").str[0]) == ["no", "rung", "unknown"]


def test_xlsx_import(store, tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"Email": ["a@x.org"], "Event": ["Rally"],
                      "Date": [pd.Timestamp("2024-04-01 18:00")]}).to_excel(xl, index=False)
    [r] = import_files(store, [path])
    assert r.accepted == 1
    assert one(store, "SELECT starts_at FROM event") == datetime(2024, 4, 1, 18, 0)


def test_unclassified_event_types_are_mixed_and_flagged(store, write):
    import_files(store, [write("u.csv", "Email,Event,Event Type,Date\na@x.org,Thing,Zumba,2024-01-01\n"
                                        "a@x.org,Drive,Phone Bank,2024-01-02\n")])
    assert rows(store, "SELECT event_type, mode, classified, type_rung FROM event ORDER BY 1") == [
        ("Phone Bank", "task", True, 3), ("Zumba", "mixed", False, 2)]


def test_schema_version_recorded_and_store_reopens(tmp_path: Path):
    path = tmp_path / "e.duckdb"
    con = db.connect(path)
    assert db.schema_version(con) == db.SCHEMA_VERSION
    con.close()
    con = db.connect(path)
    assert one(con, "SELECT COUNT(*) FROM classification") > 30
