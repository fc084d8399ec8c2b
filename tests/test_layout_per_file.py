"""The header row and the fill-down are each file's own choice in an import of several
files (docs/importing/layout.md): `--header-row FILE=N` and `--no-fill-down-for FILE` on
the command line, a box per uploaded file on the Data page. A header row given for every
file (`--header-row N`) is not applied to a file joined to another (a Mobilize timeslots or
events table, a contacts or jobs/shifts extract) whose own header is elsewhere, and says
so; the main file's choices never leak into its companions."""
from __future__ import annotations

from pathlib import Path

import pytest

from engage_metrics import cli
from engage_metrics.importer import import_files
from engage_metrics.options import ImportOptions

GOLDEN = Path(__file__).resolve().parent / "golden"
MOBILIZE = GOLDEN / "mobilize"
GROUPED = GOLDEN / "messy" / "layout" / "sign-in grouped.csv"
# title rows too wide to be read as titles: only the analyst can say where the header is
TWO_TITLES = b"Metro Action,Mobilize export,March 2024\nExported by,Jane,Roe\n"
THREE_TITLES = b"Timeslots,all events,2024\nPrinted,by,Jane\nPage,1,of 1\n"


def mobilize(tmp_path: Path, timeslot_titles: bytes = b"") -> list[Path]:
    """Mobilize's three tables, the participations under two title rows (header on row
    3) and the timeslots under *timeslot_titles*."""
    files = []
    for name, titles in (("participations.csv", TWO_TITLES),
                         ("timeslots.csv", timeslot_titles), ("events.csv", b"")):
        path = tmp_path / name
        path.write_bytes(titles + (MOBILIZE / name).read_bytes())
        files.append(path)
    return files


def run(*args: object) -> int:
    return cli.main(["import", *map(str, args)])


def test_cli_each_file_its_own_header_row(tmp_path: Path, capsys) -> None:
    parts, slots, events = mobilize(tmp_path, THREE_TITLES)
    db = tmp_path / "s.duckdb"
    assert run("--db", db, "--header-row", "participations.csv=3", "--header-row",
               f"{slots}=4", parts, slots, events) == 0
    out = capsys.readouterr().out
    assert out.startswith("participations.csv + events.csv + timeslots.csv: import #1 "
                          "(participation, source mobilize): 6 rows read, 5 accepted, "
                          "1 rejected")
    notes = [line.strip() for line in out.splitlines() if line.startswith("  note: ")]
    assert notes[:3] == [
        "note: header on row 3, as chosen; rows 1–2 above it skipped (not data): "
        "'Metro Action Mobilize export March 2024', 'Exported by Jane Roe'",
        "note: timeslots.csv: header on row 4, as chosen; rows 1–3 above it skipped (not "
        "data): 'Timeslots all events 2024', 'Printed by Jane', 'Page 1 of 1'",
        "note: joined with the timeslots file (3 timeslots)"]


def test_cli_a_header_row_for_every_file_is_not_applied_to_the_joined_tables(
        tmp_path: Path, capsys) -> None:
    files = mobilize(tmp_path)
    assert run("--db", tmp_path / "s.duckdb", "--header-row", "3", *files) == 0
    out = capsys.readouterr().out
    assert "5 accepted, 1 rejected" in out
    for name in ("events", "timeslots"):
        assert (f"note: {name}.csv: header row 3, given for every file, not applied: this "
                f"file is Mobilize's {name} table, joined to another file of the import, and "
                "its header was found on row 1 (choose its own row with --header-row "
                f"{name}.csv=N)") in out


def test_a_header_row_for_every_file_applies_to_every_independent_file(
        tmp_path: Path, capsys) -> None:
    rows = (b"Date,Event,Name,Email\n2024-03-02,Spring cleanup,Ana Lopez,ana@example.org\n")
    first, second = tmp_path / "march.csv", tmp_path / "april.csv"
    first.write_bytes(TWO_TITLES + rows)
    second.write_bytes(TWO_TITLES + rows.replace(b"03-02", b"04-06"))
    assert run("--db", tmp_path / "s.duckdb", "--header-row", "3", first, second) == 0
    out = capsys.readouterr().out
    assert out.count("1 accepted, 0 rejected") == 2
    assert out.count("note: header on row 3, as chosen") == 2


def test_joined_extracts_of_any_tool_keep_their_own_header(tmp_path: Path, store) -> None:
    events = GOLDEN / "messy" / "events"
    hours = tmp_path / "volunteer_hours.csv"
    hours.write_bytes(TWO_TITLES + (events / "volunteer_hours.csv").read_bytes())
    [r] = import_files(store, [hours, events / "contacts.csv", events / "shifts.csv"],
                       ImportOptions(header_row=3))
    assert (r.status, r.file_name, r.accepted) == (
        "imported", "volunteer_hours.csv + contacts.csv + shifts.csv", 4)
    assert [n for n in r.notes if "not applied" in n] == [
        f"{name}.csv: header row 3, given for every file, not applied: this file is a "
        f"{what} extract, joined to another file of the import, and its header was found "
        f"on row 1 (choose its own row with --header-row {name}.csv=N)"
        for name, what in (("contacts", "contacts"), ("shifts", "jobs/shifts/events"))]


def test_cli_fill_down_off_for_one_file(tmp_path: Path, capsys) -> None:
    off, on = tmp_path / "week1.csv", tmp_path / "week2.csv"
    off.write_bytes(GROUPED.read_bytes())
    on.write_bytes(GROUPED.read_bytes().replace(b"Cara Diaz", b"Cara Dias"))
    assert run("--db", tmp_path / "s.duckdb", "--no-fill-down-for", "week1.csv", off, on) == 0
    week1, week2 = capsys.readouterr().out.split("week2.csv: ")
    assert week1.startswith("week1.csv: import #1") and "2 accepted, 3 rejected" in week1
    assert "note: fill-down turned off, as chosen" in week1
    assert week2.startswith("import #2") and "5 accepted, 0 rejected" in week2
    assert "note: filled down 'Date' (3 rows), 'Event' (3 rows)" in week2


@pytest.mark.parametrize(("args", "error"), [
    (["--header-row", "nope.csv=3"],
     "--header-row nope.csv=3: 'nope.csv' is not a file of this import; its files are "
     "{a}, {b}"),
    (["--no-fill-down-for", "nope.csv"],
     "--no-fill-down-for nope.csv: 'nope.csv' is not a file of this import; its files are "
     "{a}, {b}"),
    (["--header-row", "x.csv=2"],
     "--header-row x.csv=2: 'x.csv' names 2 files of this import ({a}, {b}); give the path "
     "as in the list of files"),
    (["--header-row", "{a}=0"],
     "--header-row {a}=0: not a row number (1, 2, 3 …); give N for every file, or FILE=N "
     "for one file"),
    (["--header-row", "=3"], "--header-row =3: name the file before '=' (FILE=N)"),
    (["--header-row", "{a}=2", "--header-row", "{a}=3"],
     "--header-row gives {a} two rows (2 and 3)"),
    (["--header-row", "2", "--header-row", "3"],
     "--header-row given twice for every file (2 and 3); give FILE=N for each file that "
     "has its own"),
])
def test_cli_file_choice_errors_are_one_line(tmp_path: Path, capsys, args, error) -> None:
    a, b = tmp_path / "a" / "x.csv", tmp_path / "b" / "x.csv"
    db = tmp_path / "s.duckdb"
    assert run("--db", db, *(x.format(a=a) for x in args), a, b) == 2
    assert capsys.readouterr().err == f"error: {error.format(a=a, b=b)}\n"
    assert not db.exists()                              # refused before anything is opened


def test_cli_help_says_both_forms(capsys) -> None:
    with pytest.raises(SystemExit):
        cli.main(["import", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--header-row [FILE=]N" in out and "--no-fill-down-for FILE" in out
    assert "FILE=N chooses the row of one file of the call" in out


# ---------------------------------------------------------------- the Data page

def test_data_page_each_file_its_own_header_row(app, tmp_path: Path) -> None:
    from helpers_ui import problems

    at = app(tmp_path / "store.duckdb", "data")
    files = mobilize(tmp_path, THREE_TITLES)
    at.file_uploader(key="upload_files").set_value(
        [(p.name, p.read_bytes(), "text/csv") for p in files]).run()
    assert problems(at) == []

    def headers() -> list:
        return [n for n in at.number_input if n.label == "Header row"]

    assert [n.value for n in headers()] == [1, 1, 1]      # one box per file, in order
    headers()[0].set_value(3).run()                       # the participations file
    assert problems(at) == []
    assert [n.value for n in headers()] == [3, 1, 1]      # not the others'
    headers()[1].set_value(4).run()                       # the timeslots file
    assert problems(at) == []
    assert [n.value for n in headers()] == [3, 4, 1]
    info = " ".join(i.value for i in at.info)
    assert "timeslots table" in info and "events table" in info
    at.button(key="import_button").click().run()
    assert problems(at) == []
    [done] = [s.value for s in at.success]
    assert done.startswith("participations.csv + events.csv + timeslots.csv: import #1")
    assert "5 accepted, 1 rejected" in done
    assert "note: header on row 3, as chosen" in done
    assert "note: timeslots.csv: header on row 4, as chosen" in done
    assert "events.csv: header" not in done               # read with its own header, row 1
