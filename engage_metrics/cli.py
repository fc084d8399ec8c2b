"""`engage` (or `python -m engage_metrics`): every number without the UI.

Exit codes: 0 success; 2 a clear one-line error (bad input, nothing imported,
database busy or damaged, a write that failed on a full disk, a mistake in
data/engage.toml, a board pack format that could not be written); 1 when the output's
reader went away (a pipe closed early); never a traceback for expected problems.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from engage_metrics import __version__, db, faults, registry, transaction
from engage_metrics.config import ConfigError

if TYPE_CHECKING:
    from engage_metrics.importer import ImportResult
    from engage_metrics.metrics import Window
    from engage_metrics.options import FileLayout, ImportOptions
    from engage_metrics.targets import Progress

EXIT_ERROR = 2
EXIT_PIPE_CLOSED = 1


class CliError(Exception):
    """An expected problem: printed as one line, exit code 2."""


# the stores this run opened: closed when it ends, and before a failed write is recovered
_OPENED: list[duckdb.DuckDBPyConnection] = []


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"not a row number (1, 2, 3 …): {text!r}")
    return value


def _db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, default=None,
                   help="DuckDB file (default: $ENGAGE_DB or data/engage.duckdb)")


def source_names() -> list[str]:
    from engage_metrics.adapters import list_sources

    return ["auto", *(name for name, _ in list_sources())]


def import_args(p: argparse.ArgumentParser) -> None:
    """The options of `import` (also `./scripts/spark import`), and its files."""
    p.add_argument("--source", default="auto", choices=source_names(),
                   help="the tool that wrote the files: auto (detect from the header, the "
                        "default), generic, or an adapter name (see `sources`)")
    p.add_argument("--kind", choices=("participation", "people", "ask"), default="participation",
                   help="what the files hold (default: participation)")
    p.add_argument("--mapping", type=Path,
                   help='JSON file {"canonical field": "file column"} overriding the auto-mapping')
    p.add_argument("--treat-registered-as-attended", action="store_true",
                   help="count registrations as attendance (exports with no attendance at all)")
    p.add_argument("--sheet", help="import only this sheet of an .xlsx workbook (default: every "
                                   "sheet with the layout of the first data sheet, as one "
                                   "import; the notes name the sheets left out)")
    p.add_argument("--event-title", help="event name, for an export that is one event's list "
                   "(Eventbrite attendee summary, Action Network event RSVPs), or for a sign-in "
                   "list with dates but no event column (one event per date; default: the sheet "
                   "or file name)")
    p.add_argument("--event-date", help="event date (YYYY-MM-DD or with time), for an export "
                   "that is one event's list; for a report whose event names carry dates "
                   "without a year (\"Canvass – Sat Feb 17\"), the year when no RSVP or "
                   "registration date gives it")
    p.add_argument("--event-dates", type=Path, metavar="FILE",
                   help="CSV with the columns event and date: the date of each event of a "
                   "report that names its events but has no date column")
    p.add_argument("--date-order", choices=("dmy", "mdy", "ymd"),
                   help="how numeric dates like 03/04/2024 read: dmy (day-first, 3 April), mdy "
                   "(month-first, March 4) or ymd; default: decided from the file's own dates "
                   "(a first field above 12 is a day), the tool's format, the organization's "
                   "date_order setting or the order its earlier imports showed; an import "
                   "stops and asks when none tells. Importing an already imported file with "
                   "another order replaces that import")
    p.add_argument("--header-row", action="append", default=[], metavar="[FILE=]N",
                   help="the row of the column names, counted from 1 as the file or sheet "
                   "shows it (rows above it are skipped and listed in the notes); default: "
                   "found under any title or note rows. FILE=N chooses the row of one file "
                   "of the call (FILE as given or its name; every sheet of a workbook), and "
                   "may be repeated; N alone is for every file, except a file joined to "
                   "another (Mobilize's timeslots or events table, a contacts or jobs/shifts "
                   "extract) whose own header is found on another row: it keeps that "
                   "header, as its note says. Importing an already imported file with "
                   "another header row replaces that import")
    p.add_argument("--no-fill-down", dest="fill_down", action="store_false",
                   help="fill no column down in any file of the call: an event or date "
                   "written once for a block of rows (or in a merged cell) stays on the "
                   "block's first row, the blank cells below it stay blank (default: such "
                   "grouping columns are filled down, as the notes say). Importing an "
                   "already imported file with another fill-down setting replaces that "
                   "import")
    p.add_argument("--no-fill-down-for", action="append", default=[], metavar="FILE",
                   help="fill no column down in FILE only (as given or its name); may be "
                   "repeated")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="engage",
        description="Engage: import volunteer and event exports and compute engagement metrics.")
    parser.add_argument("--version", action="version", version=f"engage {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("import", help="import participation, people or ask files",
                       description="Import files into the store. Each file is one "
                       "all-or-nothing import; an identical file imported again changes nothing.")
    _db_arg(p)
    import_args(p)

    p = sub.add_parser("report", help="print the metric report for a window",
                       description="Every headline metric for a window [start, end). "
                       "Default window: the last 12 months of data.")
    _db_arg(p)
    p.add_argument("--start", type=_date, help="first day of the window (YYYY-MM-DD)")
    p.add_argument("--end", type=_date, help="day after the window (YYYY-MM-DD, exclusive)")
    p.add_argument("--program", action="append", default=[],
                   help="restrict to a program (repeat for several)")
    p.add_argument("--format", choices=("json", "text"), default="text")

    p = sub.add_parser("demo", help="build the demo organization into an empty store",
                       description="Generate the deterministic demo organization "
                       "(~3,000 people, 3 years, 5 programs) and import it.")
    _db_arg(p)

    p = sub.add_parser("history", help="list imports",
                       description="List every import, newest first.")
    _db_arg(p)

    p = sub.add_parser("undo", help="undo an import",
                       description="Remove exactly what one import added.")
    _db_arg(p)
    p.add_argument("import_id", type=int)

    p = sub.add_parser("rebuild", help="derive every person, event and fact from the journal",
                       description="Resolve identities and recompute the canonical tables, the "
                       "per-person facts and the snapshots from the whole journal (the reference "
                       "path; imports, undos and decisions update only what they touch, to the "
                       "same result). Changes no number; useful after a restore or to check a "
                       "store.")
    _db_arg(p)

    p = sub.add_parser("rejected", help="print rejected rows as CSV",
                       description="Rejected rows with line number, reason and raw text.")
    _db_arg(p)
    p.add_argument("--import-id", type=int, help="only this import")

    p = sub.add_parser("backup", help="back up every table to Parquet files",
                       description="Write every table of the store as a Parquet file into a new "
                       "or empty directory, with manifest.json (schema version, row counts, "
                       "sha256 of each file).")
    _db_arg(p)
    p.add_argument("--out", type=Path, required=True, metavar="DIR",
                   help="new or empty directory for the backup")

    p = sub.add_parser("restore", help="restore a backup into a new database file",
                       description="Check a backup (manifest, checksums, schema version) and "
                       "restore it into a new or empty database file.")
    _db_arg(p)
    p.add_argument("--from", dest="source", type=Path, required=True, metavar="DIR",
                   help="backup directory (or the zip downloaded from the dashboard)")

    p = sub.add_parser("export-lake", help="write the store as a lake of Parquet tables",
                       description="Write every table of the store into a new or empty "
                       "directory as a lake: one directory of Parquet files per table, the "
                       "import journal partitioned by import, and engage-lake.json (schema "
                       "version, row counts, columns). ./scripts/spark reads it (README, Spark).")
    _db_arg(p)
    p.add_argument("--out", type=Path, required=True, metavar="DIR",
                   help="new or empty directory for the lake")

    p = sub.add_parser("import-lake", help="read a lake into a new database file",
                       description="Read a lake (written by export-lake or the Spark path) "
                       "into a new or empty database file.")
    _db_arg(p)
    p.add_argument("--lake", type=Path, required=True, metavar="DIR",
                   help="the lake directory")

    p = sub.add_parser("boardpack", help="write the board pack (PDF, PowerPoint, chart PNGs)",
                       description="The board pack of a window [start, end): a PDF and a 16:9 "
                       "PowerPoint with the headline numbers and their change, the reading, the "
                       "charts, hours and Form 990 volunteers and the definitions, plus every "
                       "chart as a PNG. No personal data; counts below 5 are shown as \"< 5\". "
                       "Default window: the last 12 months of data. Needs Chromium for the charts.")
    _db_arg(p)
    p.add_argument("--out", type=Path, required=True, metavar="DIR",
                   help="directory for the files (created if missing)")
    p.add_argument("--start", type=_date, help="first day of the window (YYYY-MM-DD)")
    p.add_argument("--end", type=_date, help="day after the window (YYYY-MM-DD, exclusive)")
    p.add_argument("--program", action="append", default=[],
                   help="restrict to a program (repeat for several)")
    p.add_argument("--org-name", help="organization name on the title page (default: the "
                                      "org_name setting)")
    p.add_argument("--format", default="pdf,pptx,png", metavar="LIST",
                   help="comma-separated outputs among pdf, pptx, png (default: all three)")

    p = sub.add_parser("sources", help="list the export formats Engage recognizes",
                       description="Every source adapter: its name (for --source) and the tool "
                       "whose export it reads. `auto` detects them from the header.")

    _targets_parser(sub)
    _predict_parser(sub)

    p = sub.add_parser("definitions", help="list every metric and its definition",
                       description="The metric registry (id, label, unit and definition), "
                       "the rules targets are read by and the prediction models, in every "
                       "format; --format json prints an object with metrics, targets and "
                       "models; --format markdown prints docs/metrics.md (generated from the "
                       "registry).")
    p.add_argument("--format", choices=("json", "text", "markdown"), default="text")
    return parser


def _targets_parser(sub: argparse._SubParsersAction) -> None:
    """`targets set|list|remove` (engage_metrics.targets; its rules: `definitions`)."""
    from engage_metrics.targets import RUNGS, TARGET_METRICS

    p = sub.add_parser("targets", help="set, list or remove targets and show their progress",
                       description="Targets: a metric to reach by a due date, optionally in "
                       "one program. `list` shows each one's progress, the pace needed per "
                       "month, the pace of the last three months and whether it is on track "
                       "(the rules: `engage definitions`, section Targets).")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    s = actions.add_parser("set", help="add a target",
                           description="Add a target: a metric, a value to reach, a due date, "
                           "optionally a program (level metrics are read over the 12 months "
                           "before a date, cumulative ones from the target's start).")
    _db_arg(s)
    s.add_argument("--metric", required=True, choices=list(TARGET_METRICS),
                   help="the metric: " + ", ".join(TARGET_METRICS))
    s.add_argument("--rung", type=int, choices=RUNGS,
                   help="N of people_at_rung (active people at rung N or higher)")
    s.add_argument("--value", required=True,
                   help="the value to reach: a count, hours, a depth (0-100) or a rate as "
                   "0.6 or 60%%")
    s.add_argument("--due", required=True, help="the due date (YYYY-MM-DD)")
    s.add_argument("--start", help="where a cumulative target (hours, new people, "
                   "participations) counts from (YYYY-MM-DD; default: the day after the data's "
                   "last event date); a level target has no start")
    s.add_argument("--program", help="only this program (default: the whole organization)")
    s = actions.add_parser("list", help="every target with its progress",
                           description="Every target with its progress, the pace needed per "
                           "month, the pace of the last three months and its status.")
    _db_arg(s)
    s.add_argument("--asof", type=_date, help="read the targets as of this date (default: "
                   "the day after the data's last event date)")
    s.add_argument("--format", choices=("json", "text"), default="text")
    s = actions.add_parser("remove", help="remove a target",
                           description="Remove one target by its number (see `list`).")
    _db_arg(s)
    s.add_argument("target_id", type=int, metavar="TARGET_ID")


def _rung(text: str) -> int:
    if text not in ("2", "3", "4", "5"):
        raise argparse.ArgumentTypeError(f"an ask rung is 2, 3, 4 or 5: {text!r}")
    return int(text)


def _predict_parser(sub: argparse._SubParsersAction) -> None:
    """`predict asks` and `predict active` (docs/predictions.md)."""
    p = sub.add_parser("predict", help="what to do next: who to ask, who is slipping away",
                       description="Scores learned from the organization's own history, as of "
                       "a date, each backtested first (docs/predictions.md). A thin history or a "
                       "weak backtest prints the rule list instead (no chance), and says so on "
                       "stderr.")
    kinds = p.add_subparsers(dest="prediction", metavar="PREDICTION", required=True)
    for name, text in (
            ("asks", "the chance of a yes to an ask at rung 2-5, per person active in the year "
                     "before the date: person_id, email, current_rung, ask_rung, chance, reasons"),
            ("active", "the chance of attending again within 90 days of the date, per person "
                       "active in the year before it: person_id, email, chance, last_attended, "
                       "reasons")):
        q = kinds.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        _db_arg(q)
        q.add_argument("--asof", type=_date, help="the date D (YYYY-MM-DD; default: the day "
                       "after the data's last event date); only what happened before it is read")
        if name == "asks":
            q.add_argument("--rung", type=_rung, help="only asks for this rung (2-5)")
        q.add_argument("--format", choices=("csv", "json"), default="csv")
        q.add_argument("--backtest", action="store_true",
                       help="print the backtest's figures (AUC, Brier score, the base rate's "
                            "Brier score, calibration) instead of the scores")


def _open(path: Path | None, create: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the store; only `import` and `demo` may create a new file (a mistyped --db
    elsewhere is an error, not an empty report)."""
    target = Path(path) if path is not None else db.default_db_path()
    if not create and not target.exists():
        raise CliError(f"there is no database at {target}; check --db (or ENGAGE_DB), or "
                       "create one with `import` or `demo`")
    try:
        con = db.connect(path)
    except db.StoreError as exc:
        raise CliError(str(exc)) from exc
    except duckdb.Error as exc:
        raise CliError(f"cannot open the database {path or db.default_db_path()}: "
                       f"{str(exc).splitlines()[0]}") from exc
    _OPENED.append(con)
    return con


def _close_stores() -> None:
    while _OPENED:
        try:
            _OPENED.pop().close()
        except duckdb.Error:
            pass


def _store_fault(exc: BaseException, args: argparse.Namespace | None) -> str | None:
    """The one-line message of a store fault behind *exc* (None when it is not one), after
    closing the stores; a failed write is recovered first (see transaction.recover)."""
    path = getattr(args, "db", None) or db.default_db_path()
    fault = faults.explain(exc, _OPENED[-1] if _OPENED else None, path)
    if fault is None:
        return None
    _close_stores()
    if isinstance(fault, faults.StoreWriteFailed):
        return transaction.recover(fault)
    return str(fault)


def _event_dates(path: Path) -> dict[str, str]:
    """An event-date file: a CSV with a header naming an event column and a date column
    (event/event name/name/title, date/event date/start …), else the first two columns."""
    import csv

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read the event-date file {path}: {exc}") from exc
    rows = [r for r in csv.reader(text.splitlines()) if any(c.strip() for c in r)]
    if len(rows) < 2 or len(rows[0]) < 2:
        raise CliError(f"{path}: an event-date file is a CSV with a header and the columns "
                       "event and date, one event per line")
    header = ["".join(ch for ch in h.lower() if ch.isalnum()) for h in rows[0]]
    def find(names: tuple[str, ...], default: int) -> int:
        return next((i for i, h in enumerate(header) if h in names), default)
    name_col = find(("event", "eventname", "eventtitle", "name", "title"), 0)
    date_col = find(("date", "eventdate", "start", "startdate", "startsat", "when"),
                    1 if name_col == 0 else 0)
    out: dict[str, str] = {}
    for line, row in enumerate(rows[1:], start=2):
        cells = row + [""] * len(header)
        name, when = cells[name_col].strip(), cells[date_col].strip()
        if not name or not when:
            raise CliError(f"{path}, line {line}: an event name and a date are both needed")
        out[name] = when
    return out


def _file_index(files: list[Path], name: str, option: str) -> list[int]:
    """The files of the call *name* names: the path as given, else its file name."""
    given = [i for i, f in enumerate(files) if f == Path(name)]
    if given:
        return given
    named = [i for i, f in enumerate(files) if f.name == name]
    if not named:
        raise CliError(f"{option}: {name!r} is not a file of this import; its files are "
                       + ", ".join(str(f) for f in files))
    if len({files[i] for i in named}) > 1:
        raise CliError(f"{option}: {name!r} names {len(named)} files of this import ("
                       + ", ".join(str(files[i]) for i in named) + "); give the path as in "
                       "the list of files")
    return named


def _file_layouts(files: list[Path], header_rows: list[str], no_fill_down: list[str],
                  ) -> tuple[int | None, list[FileLayout | None]]:
    """The header row given for every file (--header-row N) and each file's own choices
    (--header-row FILE=N, --no-fill-down-for FILE); a one-line error for a value that is
    no row number, a FILE not in the call, or two rows for one file."""
    from engage_metrics.options import FileLayout

    every: int | None = None
    rows: dict[int, int] = {}
    for value in header_rows:
        name, eq, number = value.rpartition("=")
        option = f"--header-row {value}"
        try:
            row = _positive(number)
        except argparse.ArgumentTypeError:
            raise CliError(f"{option}: not a row number (1, 2, 3 …); give N for every file, "
                           "or FILE=N for one file") from None
        if not eq:
            if every is not None and every != row:
                raise CliError(f"--header-row given twice for every file ({every} and {row}); "
                               "give FILE=N for each file that has its own")
            every = row
            continue
        if not name:
            raise CliError(f"{option}: name the file before '=' (FILE=N)")
        for i in _file_index(files, name, option):
            if rows.get(i, row) != row:
                raise CliError(f"--header-row gives {files[i]} two rows ({rows[i]} and {row})")
            rows[i] = row
    off = {i for name in no_fill_down
           for i in _file_index(files, name, f"--no-fill-down-for {name}")}
    layouts: list[FileLayout | None] = [
        FileLayout(header_row=rows.get(i), fill_down=False if i in off else None)
        if i in rows or i in off else None for i in range(len(files))]
    return every, layouts


def import_options(args: argparse.Namespace
                   ) -> tuple[ImportOptions, list[FileLayout | None]]:
    """The import options and each file's layout from `import`'s arguments; a one-line
    error for a mapping or event-date file that cannot be read."""
    from engage_metrics.options import ImportOptions

    mapping = None
    if args.mapping:
        try:
            mapping = json.loads(args.mapping.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise CliError(f"cannot read the mapping file {args.mapping}: {exc}") from exc
        if not isinstance(mapping, dict):
            raise CliError(f"{args.mapping}: the mapping must be a JSON object")
    event_dates = _event_dates(args.event_dates) if args.event_dates else None
    header_row, layouts = _file_layouts(args.files, args.header_row, args.no_fill_down_for)
    options = ImportOptions(kind=args.kind, source=args.source, mapping=mapping,
                            treat_registered_as_attended=args.treat_registered_as_attended,
                            sheet=args.sheet, event_title=args.event_title,
                            event_date=args.event_date, event_dates=event_dates,
                            date_order=args.date_order, header_row=header_row,
                            fill_down=args.fill_down)
    return options, layouts


def cmd_import(args: argparse.Namespace) -> int:
    from engage_metrics.importer import import_files

    options, layouts = import_options(args)
    con = _open(args.db, create=True)
    return print_imports(import_files(con, args.files, options, layouts))


def print_imports(results: list[ImportResult]) -> int:
    """What an import call landed (stdout) and what failed (stderr); its exit code."""
    failed = [r for r in results if r.status == "failed"]
    for r in results:             # what landed (or was already there) on stdout
        if r.status != "failed":
            print(r.summary())
    if failed and not any(r.status == "imported" for r in results):
        raise CliError("nothing imported: "
                       + "; ".join(f"{r.file_name}: {r.message}" for r in failed))
    for r in failed:              # some files landed: the others' failures on stderr, once
        print(f"error: {r.summary()}", file=sys.stderr)
    # a file that landed nothing is an error for that file, even beside files that landed
    return EXIT_ERROR if failed else 0


def report_window(args: argparse.Namespace, default: Window, known: set[str]) -> Window:
    """The window of `report` (--start, --end, --program), *default*'s dates where not given;
    a one-line error for an empty window or a program not among *known*."""
    from engage_metrics.metrics import Window

    window = Window(args.start or default.start, args.end or default.end, tuple(args.program))
    if window.end <= window.start:
        raise CliError(f"the window is empty: --end {window.end} is not after "
                       f"--start {window.start}")
    unknown = [p for p in window.programs if p not in known]
    if unknown:
        raise CliError(f"unknown program {unknown[0]!r}; programs are: {', '.join(sorted(known))}")
    return window


def print_report(data: dict, output: str) -> None:
    """A report as `report --format` prints it: JSON or text."""
    from engage_metrics.metrics import report_text

    print(json.dumps(data, indent=2) if output == "json" else report_text(data))


def cmd_report(args: argparse.Namespace) -> int:
    from engage_metrics.metrics import Window, report

    con = _open(args.db)
    known = {r[0] for r in con.execute("SELECT DISTINCT program FROM event").fetchall()}
    window = report_window(args, Window.default(con), known)
    print_report(report(con, window), args.format)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from engage_metrics.demo import build_demo

    con = _open(args.db, create=True)
    try:
        build_demo(con)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    people = con.execute("SELECT COUNT(*) FROM person").fetchall()[0][0]
    parts = con.execute("SELECT COUNT(*) FROM participation").fetchall()[0][0]
    print(f"demo organization built: {people:,} people, {parts:,} participations")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from engage_metrics.importer import import_history

    df = import_history(_open(args.db))
    print("no imports yet" if df.empty else df.drop(columns=["sha256"]).to_string(index=False))
    return 0


def cmd_undo(args: argparse.Namespace) -> int:
    from engage_metrics.importer import undo_import

    con = _open(args.db)
    try:
        undo_import(con, args.import_id)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    print(f"import #{args.import_id} undone")
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    from engage_metrics import resolve
    from engage_metrics.transaction import bump_data_version, transaction

    con = _open(args.db)
    with transaction(con):
        resolve.rebuild(con)
        con.execute("DROP TABLE IF EXISTS identity_note")
        bump_data_version(con)
    people, events, rows = con.execute(
        "SELECT (SELECT COUNT(*) FROM person), (SELECT COUNT(*) FROM event), "
        "(SELECT COUNT(*) FROM participation)").fetchall()[0]
    print(f"rebuilt: {people:,} people, {events:,} events, {rows:,} participations")
    return 0


def cmd_rejected(args: argparse.Namespace) -> int:
    from engage_metrics.export import neutralized
    from engage_metrics.importer import rejected_rows

    neutralized(rejected_rows(_open(args.db), args.import_id)).to_csv(sys.stdout, index=False)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from engage_metrics.backup import BackupError, backup

    con = _open(args.db)
    try:
        manifest = backup(con, args.out)
    except (BackupError, OSError) as exc:
        raise CliError(str(exc)) from exc
    rows = sum(t["rows"] for t in manifest["tables"].values())
    print(f"backup of {len(manifest['tables'])} tables ({rows:,} rows, schema version "
          f"{manifest['schema_version']}) written to {args.out}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from engage_metrics.backup import BackupError, restore

    target = args.db or db.default_db_path()
    try:
        manifest = restore(args.source, target)
    except (BackupError, db.StoreError, OSError) as exc:
        raise CliError(str(exc)) from exc
    rows = sum(t["rows"] for t in manifest["tables"].values())
    print(f"restored {len(manifest['tables'])} tables ({rows:,} rows) from {args.source} "
          f"into {target}")
    return 0


def cmd_export_lake(args: argparse.Namespace) -> int:
    from engage_metrics.lake import LakeError, export_lake

    con = _open(args.db)
    try:
        manifest = export_lake(con, args.out)
    except (LakeError, OSError) as exc:
        raise CliError(str(exc)) from exc
    rows = sum(t["rows"] for t in manifest["tables"].values())
    print(f"lake of {len(manifest['tables'])} tables ({rows:,} rows, schema version "
          f"{manifest['schema_version']}) written to {args.out}")
    return 0


def cmd_import_lake(args: argparse.Namespace) -> int:
    from engage_metrics.backup import BackupError
    from engage_metrics.lake import import_lake

    target = args.db or db.default_db_path()
    try:
        manifest = import_lake(args.lake, target)
    except (BackupError, db.StoreError, OSError) as exc:   # a LakeError is a BackupError
        raise CliError(str(exc)) from exc
    rows = sum(t["rows"] for t in manifest["tables"].values())
    print(f"read {len(manifest['tables'])} tables ({rows:,} rows) from the lake {args.lake} "
          f"into {target}")
    return 0


def cmd_boardpack(args: argparse.Namespace) -> int:
    from engage_metrics.boardpack import FORMATS, ChartsUnavailable, build_pack, write_pack
    from engage_metrics.metrics import Window

    formats = tuple(f.strip() for f in args.format.split(",") if f.strip())
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise CliError(f"--format takes some of {', '.join(FORMATS)}; got {args.format!r}")
    con = _open(args.db)
    default = Window.default(con)
    window = Window(args.start or default.start, args.end or default.end, tuple(args.program))
    if window.end <= window.start:
        raise CliError(f"the window is empty: --end {window.end} is not after "
                       f"--start {window.start}")
    known = {r[0] for r in con.execute("SELECT DISTINCT program FROM event").fetchall()}
    unknown = [p for p in window.programs if p not in known]
    if unknown:
        raise CliError(f"unknown program {unknown[0]!r}; programs are: {', '.join(sorted(known))}")
    try:
        pack = build_pack(con, window, args.org_name, formats)
        written = write_pack(pack, args.out)
    except (ChartsUnavailable, OSError) as exc:
        raise CliError(str(exc)) from exc
    for path in written:
        print(path)
    if pack.failures:    # the files above were written; what was not, on one line
        done = "the other files were written" if written else "no file was written"
        raise CliError(f"{'; '.join(pack.failures)} ({done})")
    print(f"board pack of {window.start} to {window.end} written in {pack.seconds:.1f} s")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from engage_metrics.export import neutralized
    from engage_metrics.metrics import Window
    from engage_metrics.predict import active, asks

    if args.backtest and getattr(args, "rung", None):
        raise CliError("--rung does not apply to --backtest: the backtest scores every ask "
                       "after its cut, at every rung; drop one of the two")
    con = _open(args.db)
    data_end = Window.default(con).end
    asof = args.asof or data_end
    nobody = _nobody_active(con, asof, data_end)
    if nobody:
        print(f"note: {nobody}", file=sys.stderr)
    if args.prediction == "asks":
        prediction = asks.predict(con, asof, args.rung)
        columns = ["person_id", "email", "current_rung", "ask_rung", "chance", "reasons"]
    else:
        prediction = active.predict(con, asof)
        columns = ["person_id", "email", "chance", "last_attended", "reasons"]
    if args.backtest:
        figures = prediction.backtest.figures()
        if args.format == "json":
            print(json.dumps(figures, indent=2))
        else:
            import pandas as pd

            flat = {k: v for k, v in figures.items() if k != "calibration"}
            pd.DataFrame([flat]).to_csv(sys.stdout, index=False)
        return 0
    rows = prediction.scores
    if rows is None:     # never an untested score: the rule list, and why, on stderr
        if not nobody:       # that note said it already
            print(f"note: {prediction.backtest.why}", file=sys.stderr)
        rows = (asks.fallback(con, asof) if args.prediction == "asks"
                else active.fallback(con, asof))
        if args.prediction == "asks" and args.rung:
            rows = rows[rows["ask_rung"] == args.rung]
    out = rows[columns].copy()
    out["chance"] = out["chance"].astype(float).round(4)
    if "last_attended" in out:
        out["last_attended"] = out["last_attended"].astype(str)
    if args.format == "json":
        records = out.astype(object).where(out.notna(), None).to_dict("records")
        print(json.dumps(records, indent=1, default=str))
    else:
        neutralized(out).to_csv(sys.stdout, index=False)
    return 0


def _nobody_active(con: duckdb.DuckDBPyConnection, asof: date, data_end: date) -> str | None:
    """Why there is nobody to score as of *asof*, in words, when nobody attended in the year
    before it (a date after the data's end, or before its start); None otherwise."""
    from datetime import timedelta

    from engage_metrics.metrics import Window, scalar
    from engage_metrics.predict.active import ACTIVE_DAYS

    since = asof - timedelta(days=ACTIVE_DAYS)
    if scalar(con, "active_people", **Window(since, asof).params()):
        return None
    last = data_end - timedelta(days=1)
    where = f" (the data ends on {last})" if asof > data_end else ""
    return f"no one attended in the year before {asof}{where}: there is nobody to score."


def cmd_sources(args: argparse.Namespace) -> int:
    from engage_metrics.adapters import list_sources

    for name, label in list_sources():
        print(f"{name:16s} {label}")
    return 0


def cmd_targets(args: argparse.Namespace) -> int:
    from engage_metrics import targets

    con = _open(args.db)
    try:
        if args.action == "set":
            t = targets.set_target(con, args.metric, targets.parse_value(args.value), args.due,
                                   args.program, args.rung, args.start)
            counting = f" (counting from {t.start})" if t.kind == targets.CUMULATIVE else ""
            print(f"target #{t.target_id} set: {t.label} at least {t.format(t.value)} by "
                  f"{t.due}{counting}")
        elif args.action == "remove":
            targets.remove_target(con, args.target_id)
            print(f"target #{args.target_id} removed")
        else:
            found = targets.progress(con, args.asof)
            if args.format == "json":
                print(json.dumps([_progress_json(p) for p in found], indent=2))
            elif not found:
                print("no targets yet; add one with `engage targets set`")
            for p in found if args.format == "text" else ():
                print(f"#{p.target.target_id} [{p.status}] {p.sentence()}")
    except targets.TargetError as exc:
        raise CliError(str(exc)) from exc
    return 0


def _progress_json(p: Progress) -> dict:
    t = p.target
    return {"id": t.target_id, "metric": t.metric, "rung": t.rung, "program": t.program,
            "label": t.label, "target": t.value,
            "start": t.start.isoformat() if t.kind == "cumulative" else None,
            "due": t.due.isoformat(), "asof": p.asof.isoformat(), "status": p.status,
            "value": p.value, "progress": p.share, "pace_needed_per_month": p.needed,
            "pace_last_3_months_per_month": p.pace, "months_left": p.months_left,
            "projected": p.projected, "reason": p.reason or None, "sentence": p.sentence()}


def cmd_definitions(args: argparse.Namespace) -> int:
    """Every metric, the Targets rules (targets.DEFINITIONS) and the prediction models
    (registry.models()): the same three parts in every format."""
    from engage_metrics.targets import DEFINITIONS

    items, models = registry.metrics().values(), registry.models().values()
    if args.format == "markdown":
        from engage_metrics.definitions import markdown

        print(markdown(), end="")
    elif args.format == "json":
        print(json.dumps({
            "metrics": [{"id": m.id, "label": m.label, "unit": m.unit, "room": m.room,
                         "definition": m.definition, "formula": m.formula} for m in items],
            "targets": [{"term": term, "definition": text} for term, text in DEFINITIONS.items()],
            "models": [{"id": m.id, "label": m.label, "unit": m.unit, "room": m.room,
                        "definition": m.definition, "formula": m.formula,
                        "features": m.features, "backtest": m.backtest, "fallback": m.fallback}
                       for m in models]}, indent=2))
    else:
        for m in items:
            print(f"{m.id} — {m.label} [{m.unit}]\n    {m.definition}")
        print("\nTargets")
        for term, text in DEFINITIONS.items():
            print(f"{term}\n    {text}")
        print("\nPredictions")
        for model in models:
            print(f"{model.id} — {model.label} [model, {model.unit}]\n    {model.definition}")
            for part in ("features", "backtest", "fallback"):
                print(f"    {part.capitalize()}: {getattr(model, part)}")
    return 0


COMMANDS = {"sources": cmd_sources, "import": cmd_import, "report": cmd_report, "demo": cmd_demo,
            "history": cmd_history, "undo": cmd_undo, "rebuild": cmd_rebuild,
            "rejected": cmd_rejected,
            "backup": cmd_backup, "restore": cmd_restore, "boardpack": cmd_boardpack,
            "export-lake": cmd_export_lake, "import-lake": cmd_import_lake,
            "definitions": cmd_definitions, "targets": cmd_targets, "predict": cmd_predict}


def main(argv: list[str] | None = None) -> int:
    args = None
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:   # `engage` alone: the commands and what each does
            parser.print_help()
            return 0
        return COMMANDS[args.command](args)
    except (CliError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except (db.StoreError, duckdb.Error) as exc:   # the store failed under a command
        message = _store_fault(exc, args)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:   # the output's reader stopped early (`engage definitions | head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())   # no flush error
        return EXIT_PIPE_CLOSED
    finally:
        _close_stores()
