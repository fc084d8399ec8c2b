"""Nothing from the data runs or renders as code (issue 14, items 5 and 6), through the
dashboard (AppTest) with a hostile upload:

- every table a user can download from (Streamlit's toolbar "Download as CSV", or a copy
  of its cells) holds neutralized cells: a cell that a spreadsheet would read as a
  formula starts with a ' as in Engage's own CSV downloads (engage_metrics.export);
- every value that comes from a file — its name, its headers, its cells, the reasons
  quoting them — is shown as plain text wherever Streamlit renders Markdown (messages,
  captions, labels, radio options, st.table cells) and as text in chart labels (plotly
  reads <a href> in them); bidirectional controls are stripped from names at import and
  on screen.

The real browser's side (no request to a planted image, the toolbar's CSV) is in
tests/test_browser_render.py.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from helpers_ui import problems

from engage_metrics import db
from engage_metrics.export import FORMULA_STARTS
from engage_ui import text

END = dt.date(2026, 3, 1)
IMAGE = "![x](http://127.0.0.1:9/x.png)"            # a header: fetched when rendered
LINK = "[click](http://evil.example)"                 # a planted link
BOLD = "**bold**"
ANCHOR = '<a href="http://evil.example">Team</a>'     # plotly renders it as a link
RLO_NAME = "Ann\u202egnp.exe\u202c"                    # shows as "Annexe.png" unstripped
FORMULAS = ('=HYPERLINK("http://evil.example","x")', "@SUM(1+1)", "+1 555 0100", "-2+3")
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# markup that would render: any of the hostile values as written, or a bare address (GFM
# makes it a link)
RAW = (IMAGE, LINK, BOLD, ANCHOR, "http://", "www.evil")


def hostile_export() -> bytes:
    """A sign-in export whose cells, header and names are made to run or render: formulas
    (one of them a person who has lapsed), Markdown, HTML, a right-to-left override."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["Name", "Email", "Event", "Event type", "Role", "Program", "Date", "Status",
                IMAGE])
    for days in (200, 199, 198):                       # three visits long ago: lapsed
        w.writerow([FORMULAS[0], "lapsed@evil.example", f"=Old {days}", "=type", "-lead",
                    "+Team", (END - dt.timedelta(days=days)).isoformat(), "attended", "x"])
    names = [*FORMULAS[1:], BOLD, RLO_NAME, LINK, BOLD]
    programs = [BOLD, ANCHOR, "+Team", BOLD, ANCHOR, "+Team", BOLD]
    for i, (name, program) in enumerate(zip(names, programs, strict=True)):
        w.writerow([name, f"p{i}@evil.example", f"@Canvass {i}", "=type", "-lead", program,
                    (END - dt.timedelta(days=i)).isoformat(), "attended", "x"])
    w.writerow(["=cmd|' /C calc'!A0", "bad@evil.example", "=Canvass", "=type", "-lead",
                "+Team", "not a date", "attended", "x"])             # rejected: its raw line
    return out.getvalue().encode()


def upload(at, name: str) -> None:
    at.file_uploader(key="upload_files").set_value((name, hostile_export(), "text/csv"))
    at.run()


def import_it(at) -> None:
    at.button(key="import_button").click().run()
    assert problems(at) == []
    assert any("accepted" in s.value for s in at.success)


# ---------------------------------------------------------------- 5: formulas in tables

def table_texts(frame: pd.DataFrame) -> list[str]:
    """Every text a table shows: column names, index labels and cells."""
    values = [*frame.columns, *frame.index]
    for col in frame.columns:
        values += list(frame[col])
    return [v for v in values if isinstance(v, str)]


def formula_cells(at) -> list[str]:
    """The shown cells of every dataframe and data editor that a spreadsheet would run."""
    return [v for d in at.dataframe for v in table_texts(d.value) if v.startswith(FORMULA_STARTS)]


def shown_cells(at) -> set[str]:
    return {v for d in at.dataframe for v in table_texts(d.value)}


def test_every_table_shows_and_exports_neutralized_cells(app, tmp_path: Path) -> None:
    """Streamlit's toolbar CSV (and a copy of the cells) holds what the table holds: the
    upload preview, the rejected rows, the history, the quality card, the People table and
    its action lists, the spectrum's table and the settings' editors."""
    at = app(tmp_path / "store.duckdb", "data")
    upload(at, "@evil.csv")
    assert problems(at) == []
    assert formula_cells(at) == []
    assert "'@SUM(1+1)" in shown_cells(at)                      # the upload preview
    import_it(at)
    assert formula_cells(at) == []
    shown = shown_cells(at)
    assert "'@evil.csv" in shown                                # the import history
    assert any(v.startswith("'=cmd|") for v in shown)           # the rejected row's line

    at.switch_page("pages/people.py").run()
    assert problems(at) == []
    at.text_input(key="people_search").set_value("evil.example").run()
    assert formula_cells(at) == []
    people = next(d.value for d in at.dataframe if "email" in d.value.columns)
    assert {"'=HYPERLINK(\"http://evil.example\",\"x\")", "'@SUM(1+1)", "'+1 555 0100",
            "'-2+3"} <= set(people["name"])
    lapsed = [d.value for d in at.dataframe if "days_since" in d.value.columns]
    assert any("'=HYPERLINK(\"http://evil.example\",\"x\")" in set(t["name"]) for t in lapsed)

    at.switch_page("pages/spectrum.py").run()
    assert problems(at) == []
    assert formula_cells(at) == []
    assert "'+Team" in shown_cells(at)

    at.switch_page("pages/settings.py").run()
    assert problems(at) == []
    assert formula_cells(at) == []
    assert {"'=type", "'-lead"} <= shown_cells(at)


def test_an_edited_settings_table_keeps_the_stored_names(app, tmp_path: Path) -> None:
    """The editors show neutralized event types and roles, and save the types as stored."""
    at = app(tmp_path / "store.duckdb", "data")
    upload(at, "types.csv")
    import_it(at)
    at.switch_page("pages/settings.py").run()
    editor = next(d for d in at.dataframe if d.key == "edit_event_types")
    row = list(editor.value["event_type"]).index("'=type")
    at.session_state["edit_event_types"] = {"edited_rows": {row: {"mode": "relationship"}},
                                            "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="save_types").click().run()
    assert problems(at) == []
    con = db.connect(tmp_path / "store.duckdb")
    try:
        modes = dict(con.execute("SELECT DISTINCT event_type, mode FROM event").fetchall())
    finally:
        con.close()
    assert modes == {"=type": "relationship"}


# ---------------------------------------------------------------- 6: file text as text

def markdown_values(at) -> list[str]:
    """Every value the page renders as Markdown (Streamlit's messages, captions, titles,
    labels of expanders, tabs, metrics and checkboxes, radio options, st.table cells)."""
    values = [e.value for kind in ("markdown", "caption", "success", "info", "warning", "error",
                                   "title", "header", "subheader", "toast")
              for e in at.get(kind)]
    values += [e.label for e in at.expander] + [t.label for t in at.tabs]
    values += [c.label for c in at.checkbox]
    for r in at.radio:
        values += [r.label, *r.options]
    for m in at.metric:
        values += [m.label, m.value, m.delta or ""]
    for t in at.table:
        values += [str(v) for v in table_texts(t.value)]
    return values


def rendered_markup(at) -> list[str]:
    return [v for v in markdown_values(at) if any(raw in v for raw in RAW) or BIDI.search(v)]


def chart_texts(at) -> list[str]:
    """Every text of the page's plotly charts (labels, names, hover templates, titles)."""
    found: list[str] = []

    def walk(value) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for chart in at.get("plotly_chart"):
        walk(json.loads(chart.proto.spec))
    return found


def test_file_names_headers_and_cells_render_as_plain_text(app, tmp_path: Path) -> None:
    at = app(tmp_path / "store.duckdb", "data")
    upload(at, f"{LINK}.csv")
    assert problems(at) == []
    assert rendered_markup(at) == []
    assert any(text.plain(LINK) in label for label in (e.label for e in at.expander))
    import_it(at)
    assert rendered_markup(at) == []
    [done] = [s.value for s in at.success]
    assert text.plain(f"{LINK}.csv") in done                     # the file name, as text
    assert text.plain(IMAGE) in done                             # "columns not used: …"
    # the suspected duplicates ("**bold**" twice) are listed by name
    names = " ".join(m.value for m in at.markdown)
    assert text.plain(BOLD) in names

    at.switch_page("pages/people.py").run()
    assert problems(at) == []
    people = next(d.value for d in at.dataframe if "email" in d.value.columns)
    assert "Anngnp.exe" in set(people["name"])               # stripped, shown in its order
    assert not any(BIDI.search(v) for v in table_texts(people))

    for page in ("overview", "spectrum", "relationships", "participation", "presentation"):
        at.switch_page(f"pages/{page}.py").run()
        assert problems(at) == [], page
        assert rendered_markup(at) == [], page
        labels = chart_texts(at)
        assert [t for t in labels if "<a " in t.lower() or BIDI.search(t)] == [], page
        if page == "spectrum":                       # the program's label is there, as text
            assert any("&lt;a href=" in t for t in labels)
    # the presentation's screens with data: its table of programs (st.table renders
    # Markdown) and its spectrum chart
    deck = at.session_state["presentation_deck"][1]
    visited = []
    for i in range(len(deck)):
        if deck.key(i).endswith(("programs", "spectrum")):
            visited.append(deck.key(i).split("_", 1)[1])
            at.session_state["presentation_screen"] = i
            at.run()
            section = at.session_state["presentation_deck"][1].built(i)   # built when shown
            assert section is not None and section.key == deck.key(i)
            assert problems(at) == [] and rendered_markup(at) == [], section.key
            assert [t for t in chart_texts(at) if "<a " in t.lower()] == [], section.key
            if section.table is not None:
                assert text.plain(ANCHOR) in [str(v) for t in at.table
                                              for v in table_texts(t.value)]
    assert visited == ["spectrum", "programs"]
    con = db.connect(tmp_path / "store.duckdb")
    try:
        stored = [r[0] for r in con.execute("SELECT full_name FROM person").fetchall()]
    finally:
        con.close()
    assert "Anngnp.exe" in stored and not any(BIDI.search(n or "") for n in stored)


# ---------------------------------------------------------------- the helpers themselves

@pytest.mark.parametrize("value", [IMAGE, LINK, BOLD, ANCHOR, "`code`", "~~gone~~",
                                   "# heading", "1. one", "- item", "> quote", "a\n===",
                                   ":red[x] :smile: :material/home:", "$x^2$", "a | b",
                                   "AT&amp;T", "mail@evil.example", "www.evil.example",
                                   "https://evil.example/x", "    code", "x\\",
                                   ":smile::heart: :100: a:b:c", "![x][r]\n\n[r]: http://x.y/z",
                                   "<!-- c -->", "x\u0000y", RLO_NAME, "__y__ x__y__z _a_"])
def test_plain_escapes_every_markdown_construct(value: str) -> None:
    shown = text.plain(value)
    unescaped = re.sub(r"\\[!-/:-@\[-`{-~]", "E", shown)     # an escaped character is text
    assert not re.search(r"[\\`*~\[\]<>&$|]|(?<![^\W_])_|_(?![^\W_])", unescaped), shown
    assert not re.search(r"^\s*([#>+=-]|\d+[.)])|^ {4}|:[A-Za-z_+/-]|:[\w+/-]+:|https?:/|"
                         r"www\.|@\w|[\x00-\x08\u202a-\u202e\u2066-\u2069]", unescaped, re.M), shown


def test_plain_keeps_ordinary_text_readable() -> None:
    assert text.plain("shifts.csv: import #1 (participation), 3 accepted; 5 + 2 = 7") == (
        "shifts.csv: import #1 (participation), 3 accepted; 5 + 2 = 7")
    assert text.plain("first\nsecond") == "first\nsecond"
    assert text.plain("starts_at: 'Date' → 'Shift date'") == "starts_at: 'Date' → 'Shift date'"
    assert text.plain(RLO_NAME) == "Anngnp.exe"


@pytest.mark.parametrize("dtype", ["str", object])
def test_table_cells_are_neutralized_and_stripped(dtype) -> None:
    frame = pd.DataFrame({"name": [*FORMULAS, "\tx", "\ry", RLO_NAME, "Ana", None],
                          "n": [1, -2, 3, 4, 5, 6, 7, 8, 9]}).astype({"name": dtype})
    shown = text.cells(frame)
    assert list(shown["name"])[:-1] == ["'" + f for f in FORMULAS] + [
        "'\tx", "'\ry", "Anngnp.exe", "Ana"]
    assert pd.isna(shown["name"].iloc[-1])
    assert list(shown["n"]) == [1, -2, 3, 4, 5, 6, 7, 8, 9]
    assert list(frame["name"])[:1] == [FORMULAS[0]]               # the frame is not changed
    assert list(text.cells(pd.DataFrame({"=x": [BOLD]}), markdown=True).columns) == ["'=x"]
    assert list(text.cells(pd.DataFrame({"a": [BOLD]}), markdown=True)["a"]) == [
        text.plain(BOLD)]


def test_every_chart_builder_shows_the_data_as_text() -> None:
    import inspect

    from engage_metrics import charts

    builders = [f for f in vars(charts).values() if inspect.isfunction(f)
                and f.__module__ == charts.__name__
                and inspect.signature(f).return_annotation in ("go.Figure", "Figure")]
    assert len(builders) >= 16
    assert [f.__name__ for f in builders if not getattr(f, "text_labels", False)] == []
    escaped = '&lt;a href="http://evil.example"&gt;Team&lt;/a&gt;'
    fig = charts.bar(pd.DataFrame({"program": [ANCHOR, RLO_NAME, "A & B"], "n": [1, 2, 3]}),
                     "program", "n", "Touches", "Program", "Touches")
    assert list(fig.data[0].x) == [escaped, "Anngnp.exe", "A &amp; B"]
    points = pd.DataFrame({"program": ["Organization", ANCHOR], "task_share": [0.5, 0.6],
                           "relationship_strength": [0.4, 0.3], "attended": [10, 4],
                           "quadrant": ["Dormant", "All task (transactional)"]})
    trail = points.assign(quarter="2026 Q1")
    fig = charts.spectrum(points, trail)
    texts = [str(t[p]) for t in fig.data for p in ("name", "meta", "text", "hovertemplate")
             if p in t and t[p] is not None]
    assert not [t for t in texts if "<a " in t]
    assert any(escaped in t for t in texts)
    labels = {1: ANCHOR, 2: RLO_NAME}
    edges = pd.DataFrame({"person_a": [1], "person_b": [2], "ties_a": [1], "ties_b": [1],
                          "shared": [2]})
    assert list(charts.network(edges, labels).data[1].text) == [escaped, "Anngnp.exe"]


@pytest.mark.parametrize("fast", [False, True], ids=["python-reader", "fast-csv-reader"])
def test_bidi_controls_are_stripped_from_names_and_titles_at_import(
        store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: bool) -> None:
    from engage_metrics import importer

    monkeypatch.setenv("ENGAGE_FAST_CSV_MB", "0" if fast else "1000")
    path = tmp_path / "bidi.csv"
    path.write_text("First name,Last name,Email,Event,Event type,Program,Role,Date\n"
                    "Ann\u202egnp.exe\u202c,Lee\u2066,ann@x.org,Canvass\u202d,Canvass,"
                    "River\u2069side,Lead\u202a,2024-03-02\n"
                    "Bob,Ray,bob@x.org,Canvass,Canvass,Riverside,Lead,2024-03-02\n"
                    "Cy\u202e,Park,cy@x.org,Canvass,Canvass,Riverside,Lead,never\n",
                    encoding="utf-8")
    [result] = importer.import_files(store, [path])
    assert (result.status, result.accepted, result.rejected) == ("imported", 2, 1)
    assert result.read_by == ("duckdb" if fast else "python")
    assert any("bidirectional control characters" in n and n.startswith("2 rows have")
               for n in result.notes)
    rows = store.execute("SELECT first_name, last_name, full_name FROM person "
                         "ORDER BY first_name").fetchall()
    assert rows == [("Anngnp.exe", "Lee", "Anngnp.exe Lee"), ("Bob", "Ray", "Bob Ray")]
    assert store.execute("SELECT DISTINCT title, program FROM event").fetchall() == [
        ("Canvass", "Riverside")]
    assert store.execute("SELECT DISTINCT role FROM participation").fetchall() == [("lead",)]
    # the rejected row keeps the file's line as written
    assert "Cy\u202e" in importer.rejected_rows(store, result.import_id)["raw"][0]
