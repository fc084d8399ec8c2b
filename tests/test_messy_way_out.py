"""Issue 13, the way out when no format fits: the message names the closest known formats
(with the headers of theirs the file lacks) and the file's columns no field took; the Data
page opens the mapping editor on its best guess instead of stopping; a mapping may unmap
an auto-mapped column with null. docs/importing/mapping.md says it in words."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers_ui import problems, table_with

from engage_metrics import adapters, importer, reader
from engage_metrics.cli import main as cli_main
from engage_metrics.options import ImportOptions

GOLDEN = Path(__file__).with_name("golden")

# a Mobilize participations export cut down by hand: the timeslot and event ids are gone
MOBILIZE_CUT = ("user_id,status,attended,user__email_address,Shift,When\n"
                "1,Registered,true,ana@example.org,Canvass,2024-03-02\n")
NEEDS_EVENT = ("could not find an event column (event name or event id). The file's columns "
               "are: user_id, status, attended, user__email_address, Shift, When. Map them on "
               "the Data page or with --mapping.")
WAY_OUT = ("No known format fits; the closest: Mobilize (shift export, or participations + "
           "timeslots + events) (missing: timeslot_id, event_id). Columns not placed: Shift.")


@pytest.mark.parametrize("path", [
    p for p in sorted(GOLDEN.glob("*/*.*"))
    if p.parent.name in adapters.ADAPTERS and p.parent.name not in ("zoom", "generic")
    and p.name not in ("events.csv", "timeslots.csv", "people.csv", "event export.csv")]
    + [GOLDEN / "zoom" / "meeting report.csv"])
def test_each_tool_export_has_every_header_of_its_signature(path: Path) -> None:
    table = reader.read_bytes(path.read_bytes(), path.name)
    adapter = adapters.ADAPTERS[path.parent.name]
    assert adapter.signature_missing(table.columns) == []
    assert adapters.closest(table.columns)[0].adapter is adapter


def test_every_tool_has_a_signature() -> None:
    assert [a.name for a in adapters.ADAPTERS.values() if not a.signature] == ["generic"]


def test_the_message_names_the_closest_formats_and_the_columns_not_placed(store, write):
    [result] = importer.import_files(store, [write("cut.csv", MOBILIZE_CUT)])
    assert result.status == "failed"
    assert result.message == f"{NEEDS_EVENT} {WAY_OUT}"
    assert store.execute("SELECT COUNT(*) FROM import_log").fetchone()[0] == 0


def test_the_cli_says_it_in_one_line(tmp_path, write, capsys):
    path = write("cut.csv", MOBILIZE_CUT)
    assert cli_main(["import", "--db", str(tmp_path / "x.duckdb"), str(path)]) == 2
    err = capsys.readouterr().err
    assert NEEDS_EVENT in err and WAY_OUT in err and err.count("\n") == 1


def test_a_file_like_no_known_format_says_so(store, write):
    [result] = importer.import_files(store, [write("x.csv", "Who,What,When\nAna,Canvass,"
                                                   "2024-03-02\n")])
    assert result.message.startswith("could not find a person column")
    assert result.message.endswith("No known format is close to this file's columns. "
                                   "Columns not placed: Who, What.")


def test_a_shared_column_alone_names_no_format(store, write):
    # Email and Status are in several formats: one or two shared columns say nothing
    [result] = importer.import_files(store, [write("x.csv", "Email,Status\na@x.org,yes\n")])
    assert "No known format is close" in result.message


def test_a_tool_export_with_a_field_unmapped_is_not_told_of_other_formats(store):
    path = GOLDEN / "civicrm" / "CiviCRM_Participant_Search.csv"
    [result] = importer.import_files(store, [path], ImportOptions(
        mapping={"external_id": None, "email": None, "phone": None, "full_name": None,
                 "first_name": None, "last_name": None}))
    assert result.status == "failed" and "could not find a person column" in result.message
    assert "closest" not in result.message and "No known format" not in result.message


def test_a_mapping_unmaps_an_auto_mapped_column_with_null(tmp_path, write, capsys):
    path = write("shifts.csv", "Email,Event,Start,End\n"
                 "ana@example.org,Canvass,2024-03-02 09:00,2024-03-02 12:00\n")
    mapping = write("mapping.json", json.dumps({"ends_at": None}))
    db_path = tmp_path / "x.duckdb"
    assert cli_main(["import", "--db", str(db_path), "--mapping", str(mapping), str(path)]) == 0
    assert "columns not used: End" in capsys.readouterr().out
    from engage_metrics import db
    con = db.connect(db_path)
    try:
        assert con.execute("SELECT CAST(starts_at AS VARCHAR), ends_at FROM event").fetchall() \
            == [("2024-03-02 09:00:00", None)]
        mapped = json.loads(con.execute("SELECT mapping FROM import_log").fetchone()[0])
        assert "ends_at" not in mapped and mapped["starts_at"] == "Start"
    finally:
        con.close()


# events named, no date column the importer knows: the generic import stops before a
# mapping (it needs each event's date), and the page used to stop there too
NO_KNOWN_DATE = ("Email,Full Name,Event,Day Of\n"
                 "ana@example.org,Ana Lopez,Canvass,2024-03-02\n"
                 "bob@example.org,Bob Smith,Phone bank,2024-03-05\n")


def test_the_data_page_opens_the_mapping_editor_on_its_best_guess(app, tmp_path: Path):
    at = app(tmp_path / "store.duckdb", "data")
    at.file_uploader(key="upload_files").set_value(("rsvps.csv", NO_KNOWN_DATE.encode(),
                                                   "text/csv"))
    at.run()
    assert problems(at) == []

    def select(label: str):
        return next(s for s in at.selectbox if s.label == label)

    assert select("Email").value == "Email"                 # the auto-mapped fields, filled in
    assert select("Full name").value == "Full Name"
    assert select("Event name").value == "Event"
    assert select("Start date/time").value == "— not in this file —"
    warnings = [w.value for w in at.warning]
    assert any("2 of the file's events have no date" in w for w in warnings)
    assert any("could not find a date column" in w and "Columns not placed: Day Of." in w
               for w in warnings)
    assert at.button(key="import_button").disabled
    select("Start date/time").set_value("Day Of").run()
    assert not any("Columns not placed" in w.value for w in at.warning)
    at.button(key="import_button").click().run()
    assert [e.value for e in at.exception] == []
    assert table_with(at, "rows_accepted")["rows_accepted"].tolist() == [2]
