"""The board pack: a PDF and a 16:9 PowerPoint that open, hold every section and the
engine's exact numbers, and carry no personal data.

Why: the pack leaves the building. A number that differs from the dashboard, a
name in a slide note or "2 people" in a table is a broken promise to the people in
the data, so the pack is read back the way a board member's computer reads it
(pdftotext, python-pptx) and scanned for everything personal the store holds.
"""
from __future__ import annotations

import datetime as dt
import importlib.util
import io
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
from helpers_ui import ROOT, DemoStore, problems
from metric_fixtures import Org, open_store
from pptx import Presentation
from pptx.util import Inches

from engage_metrics import boardpack, db, metrics, registry
from engage_metrics.boardpack import HIDDEN, SUPPRESSED, BoardPack
from engage_metrics.boardpack.sections import flow_summary
from engage_metrics.config import set_setting

HAVE_BROWSER = importlib.util.find_spec("playwright") is not None

ORG = "Café “Ünïcode” € Fund"         # what users type: accents, curly quotes, the euro
TODAY = dt.date(2026, 11, 15)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
PHONE = re.compile(r"(?<!\d)(?:\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}|\d{10})(?!\d)")
needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler")


# ---------------------------------------------------------------- the demo pack, built once

@pytest.fixture(scope="module")
def pack(demo_store: DemoStore) -> BoardPack:
    con = db.connect(demo_store.path)
    try:
        return boardpack.build_pack(con, demo_store.window, ORG, today=TODAY)
    finally:
        con.close()


@pytest.fixture(scope="module")
def pdf_text(pack: BoardPack, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("pdf") / "pack.pdf"
    path.write_bytes(pack.pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


@pytest.fixture(scope="module")
def slides(pack: BoardPack):
    return Presentation(io.BytesIO(pack.pptx))


@pytest.fixture(scope="module")
def personal(demo_store: DemoStore) -> dict[str, set[str]]:
    """Every name, email and phone number the store holds."""
    con = db.connect(demo_store.path, read_only=True)
    try:
        rows = con.execute("SELECT full_name, first_name, last_name, email, phone FROM person"
                           ).fetchall()
    finally:
        con.close()
    names = {r[0] for r in rows if r[0]} | {f"{r[1]} {r[2]}" for r in rows if r[1] and r[2]}
    return {"names": {n.lower() for n in names if len(n) > 4},
            "emails": {r[3].lower() for r in rows if r[3]},
            "phones": {r[4] for r in rows if r[4]}}


def fmt(metric_id: str, value) -> str:
    return registry.get(metric_id).format(value)


def kpi_values(report: dict) -> dict[str, str]:
    """Label -> the engine's value as the registry formats it, for every headline KPI."""
    return {registry.get(mid).label: fmt(mid, report[room][key])
            for mid, (room, key) in boardpack.KPIS.items()}


def pptx_texts(prs) -> Iterator[str]:
    """Every text run, table cell, slide note and image alt text of a presentation."""
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                yield from (r.text for p in shape.text_frame.paragraphs for r in p.runs)
            if shape.has_table:
                yield from (c.text for row in shape.table.rows for c in row.cells)
            descr = shape._element.xpath("./*[1]/p:cNvPr/@descr")
            yield from descr
            yield shape.name
        if slide.has_notes_slide:
            yield slide.notes_slide.notes_text_frame.text
    props = prs.core_properties
    yield from (props.title or "", props.author or "", props.last_modified_by or "")


def leaks(text: str, personal: dict[str, set[str]]) -> list[str]:
    """Personal data found in *text*: known names, emails and phones, and anything shaped
    like an email address or a phone number."""
    low = text.lower()
    digits = re.sub(r"\D", "", text)
    found = [n for n in personal["names"] if n in low]
    found += [e for e in personal["emails"] if e in low]
    found += [p for p in personal["phones"] if p in digits and len(p) >= 7]
    return found + EMAIL.findall(text) + PHONE.findall(text)


# ---------------------------------------------------------------- PDF

@needs_pdftotext
def test_pdf_has_every_section_and_the_engines_numbers(pack: BoardPack, pdf_text: str,
                                                       demo_store: DemoStore) -> None:
    assert pack.pdf.startswith(b"%PDF")
    pages = subprocess.run(["pdfinfo", "-"], input=pack.pdf, capture_output=True, check=True
                           ).stdout.decode()
    assert int(re.search(r"Pages:\s+(\d+)", pages).group(1)) >= len(pack.sections)
    assert re.search(r"Page size:\s+960 x 540 pts", pages)              # 13.333 × 7.5 in, 16:9
    for section in pack.sections:
        assert section.title in pdf_text, section.title
    assert ORG in pdf_text                                           # €, accents, “quotes”
    now = demo_store.report
    before_window = demo_store.window.previous()
    con = db.connect(demo_store.path, read_only=True)
    before = metrics.report(con, before_window)
    con.close()
    lines = pdf_text.splitlines()
    for label, value in kpi_values(now).items():
        row = next(line for line in lines if line.strip().startswith(label))
        cells = re.split(r"\s{2,}", row.strip())
        assert cells[1] == value, (label, cells)
        assert cells[2] == kpi_values(before)[label], (label, cells)
    hours = now["participation"]["hours"]
    assert f"${hours * 34.79:,.0f}" in pdf_text                          # the default rate
    for entry in (registry.get("boardpack_form990_volunteers"), registry.get("depth")):
        assert entry.label in pdf_text                                    # the appendix
    assert "The lapse threshold in these numbers is 180 days." in " ".join(pdf_text.split())


@needs_pdftotext
def test_form_990_count_matches_an_independent_query(pdf_text: str, demo_store: DemoStore) -> None:
    last = demo_store.window.end - dt.timedelta(days=1)           # fiscal year = calendar year
    con = db.connect(demo_store.path, read_only=True)
    expected = con.execute("""
        SELECT COUNT(DISTINCT p.person_id) FROM participation p JOIN event e USING (event_id)
        WHERE p.status = 'attended' AND year(e.event_date) = ?""", [last.year]).fetchone()[0]
    con.close()
    row = next(line for line in pdf_text.splitlines() if "Volunteers (Form 990)" in line
               and f"FY {last.year}" in line)
    assert re.split(r"\s{2,}", row.strip())[1] == f"{expected:,}"
    assert f"{expected:,} volunteers" in pdf_text


# ---------------------------------------------------------------- PowerPoint

def test_pptx_is_16_9_with_the_sequence_and_the_engines_numbers(
        pack: BoardPack, slides, demo_store: DemoStore) -> None:
    assert slides.slide_width == Inches(13.333) and slides.slide_height == Inches(7.5)
    titles = [s.shapes.title.text for s in slides.slides]
    assert titles[0] == ORG
    expected = [s.title for s in pack.sections[1:]]
    assert [t for t in titles[1:] if not t.endswith("(continued)")] == expected
    headline = slides.slides[1]
    table = next(sh.table for sh in headline.shapes if sh.has_table)
    shown = {r.cells[0].text: r.cells[1].text for r in table.rows}
    assert {k: shown[k] for k in kpi_values(demo_store.report)} == kpi_values(demo_store.report)
    notes = headline.notes_slide.notes_text_frame.text
    assert registry.get("active_people").definition in notes
    pictures = [sh for s in slides.slides for sh in s.shapes if sh.shape_type == 13]
    assert len(pictures) == len(pack.pngs) == 7
    for pic in pictures:
        assert pic._element.nvPicPr.cNvPr.get("descr", "").startswith("Chart: ")


def test_every_chart_is_a_png_in_the_zip(pack: BoardPack, tmp_path: Path) -> None:
    names = zipfile.ZipFile(io.BytesIO(pack.png_zip)).namelist()
    charted = [s for s in pack.sections if s.figure is not None]
    assert names == [f"{s.key}.png" for s in charted]
    for s in charted:
        png = pack.pngs[f"{s.key}.png"]
        assert png.startswith(b"\x89PNG")
        width = int.from_bytes(png[16:20], "big")
        assert width == round(s.size[0] * boardpack.PNG_SCALE)
    written = boardpack.write_pack(pack, tmp_path / "out")
    assert {p.suffix for p in written} == {".pdf", ".pptx", ".zip", ".png"}


# ---------------------------------------------------------------- no personal data

def test_the_leak_scan_finds_what_it_looks_for() -> None:
    personal = {"names": {"ana lopez"}, "emails": {"ana@x.org"}, "phones": {"5551234567"}}
    assert leaks("call Ana Lopez", personal) == ["ana lopez"]
    assert "ana@x.org" in leaks("ana@x.org", personal)
    assert leaks("(555) 123-4567", personal)
    assert leaks("1,533 people · 24,449.2 h · $850,589 · +3,097 (+47 %)", personal) == []


@needs_pdftotext
def test_no_personal_data_anywhere(pack: BoardPack, pdf_text: str, slides,
                                   personal: dict[str, set[str]]) -> None:
    assert len(personal["names"]) > 1000 and len(personal["emails"]) > 1000
    assert leaks(pdf_text, personal) == []
    info = subprocess.run(["pdfinfo", "-"], input=pack.pdf, capture_output=True).stdout.decode()
    assert leaks(info, personal) == []
    texts = list(pptx_texts(slides))
    assert any("Chart: " in t for t in texts)                   # alt texts are scanned too
    assert leaks("\n".join(texts), personal) == []
    for s in pack.sections:                                      # what the PNGs were drawn from
        if s.figure is not None:
            assert leaks(s.figure.to_json(), personal) == [], s.title


# ---------------------------------------------------------------- small-cell suppression

def tiny_org() -> Org:
    """3 people active in [2024-01-01, 2024-07-01), 2 of them new; 2 active before."""
    o = Org()
    before = o.event("2023-09-10", "Main", "relationship")
    e1 = o.event("2024-02-10", "Main", "task")
    e2 = o.event("2024-03-10", "Main", "mixed")
    o.part(1, before, hours=2.0)
    o.part(4, before, hours=1.0)
    o.part(1, e1, hours=3.0, rung=3, role="volunteer")
    o.part(2, e1, hours=3.0, rung=3, role="volunteer")
    o.part(2, e2, hours=1.0)
    o.part(3, e2, hours=1.0, rung=4, role="host")
    o.part(5, e2, status="registered")
    return o


TINY = metrics.Window(dt.date(2024, 1, 1), dt.date(2024, 7, 1))


@pytest.fixture
def tiny(tmp_path: Path) -> Iterator:
    con = open_store(tmp_path / "tiny.duckdb", tiny_org())
    yield con
    con.close()


def test_counts_below_5_are_shown_as_less_than_5() -> None:
    assert [boardpack.count_text(n) for n in (0, 1, 4, 5, 1234)] == ["0", "< 5", "< 5", "5",
                                                                     "1,234"]
    assert boardpack.value_text("active_people", 3, None) == SUPPRESSED
    # a rate over 3 people is hidden in words: "< 5" would read as a rate under 5
    assert boardpack.value_text("repeat_rate", 0.5, 3) == HIDDEN
    assert boardpack.value_text("repeat_rate", 0.5, 5) == "50.0 %"
    assert boardpack.value_text("repeat_rate", None, 3) == "–"


def test_the_presentation_deck_builds_a_section_when_shown(tiny, monkeypatch) -> None:
    """The presentation view's Deck builds its first screens with the deck and a chart only
    when it is shown, once; its keys are known before (the board pack's sequence, which
    build_sections builds whole), and the definitions build every section before them."""
    from engage_metrics.boardpack import sections as built

    calls: list[str] = []

    def counted(key: str, build):
        return lambda con, n: calls.append(key) or build(con, n)

    monkeypatch.setattr(built, "_CHARTS", tuple((k, counted(k, b)) for k, b in built._CHARTS))
    deck = boardpack.Deck(tiny, TINY, "Tiny", today=TODAY)
    keys = [deck.key(i) for i in range(len(deck))]
    assert [k.split("_", 1)[1] for k in keys[:3]] == ["title", "headline", "reading"]
    assert keys[-1].endswith("_definitions") and calls == []
    assert deck.section(tiny, 0).title == "Tiny" and calls == []
    spectrum = keys.index(next(k for k in keys if k.endswith("_spectrum")))
    assert deck.section(tiny, spectrum).key == keys[spectrum]
    assert calls == ["spectrum"] and deck.built(spectrum - 1) is None
    deck.section(tiny, spectrum)                                    # kept: not built again
    last = deck.section(tiny, len(deck) - 1)
    assert sorted(calls) == sorted(key for key, _ in built._CHARTS)
    assert [deck.key(i) for i in range(len(deck))] == keys
    every = [deck.section(tiny, i) for i in range(len(deck) - 1)]
    assert [label for label, _ in last.definitions][:3] == list(dict.fromkeys(
        registry.get(m).label for s in every for m in s.metric_ids))[:3]


def test_a_tiny_organization_shows_no_small_number(tiny, tmp_path: Path) -> None:
    sections = boardpack.build_sections(tiny, TINY, "Tiny", today=TODAY)
    by_key = {s.key.split("_", 1)[1]: s for s in sections}
    headline = {r[0]: r[1:] for r in by_key["headline"].table.rows}
    assert headline["Active people"] == (SUPPRESSED, SUPPRESSED, "–")     # 3 now, 2 before
    assert headline["New people"] == (SUPPRESSED, SUPPRESSED, "–")
    assert headline["Repeat rate"][0] == HIDDEN                           # 1 of 3 people
    assert headline["Volunteer hours"][0] == HIDDEN                       # not "under 5 h"
    assert headline["Quadrant on the spectrum"][0] == HIDDEN
    assert by_key["reading"].bullets[0].startswith("Fewer than 5 people took part")
    for s in sections:
        for row in s.table.rows if s.table else ():
            for cell in row[1:]:
                assert not re.fullmatch(r"[+-]?[1-4](\.0)?( h)?( \(.*\))?", cell), (s.title, row)
                assert "%" not in cell, (s.title, row)
    hours = {r[0].split(":")[0]: r[1] for r in by_key["hours"].table.rows}
    assert hours["Volunteers (Form 990)"] == SUPPRESSED                  # 3 people in 2024
    assert all(v == SUPPRESSED for k, v in by_key["flows"].table.rows if v != "0")
    assert by_key["retention"].figure is None                             # cohorts of 1 and 1
    # reached by the end: rung 1 all 5 people, 2: 4, 3: 3, 4: 1 (the host), 5: none
    ladder = list(by_key["ladder"].figure.data[0].text)
    assert ladder[0].startswith("5 · ") and "go on" not in ladder[0]     # 4 of 5 would show
    assert ladder[1:] == [SUPPRESSED, SUPPRESSED, SUPPRESSED, "0"]
    assert all(t == SUPPRESSED for t, n in zip(by_key["depth"].figure.data[0].text,
                                               by_key["depth"].figure.data[0].y, strict=True) if n)
    text = boardpack.render_pdf(sections, "Tiny", boardpack.period_text(TINY))
    assert text.startswith(b"%PDF")
    prs = Presentation(io.BytesIO(boardpack.render_pptx(sections, "Tiny")))
    cells = [t for t in pptx_texts(prs)]
    assert SUPPRESSED in cells
    assert not any(re.search(r"\b[1-4] (people|volunteers|of them)\b", t) for t in cells)


def test_narrative_never_speaks_of_fewer_than_5_people() -> None:
    def report(active, new, escalated, esc_rate, ret):
        return {"participation": {"active": active, "new": new, "attended": active * 3,
                                  "hours": 10.0, "repeat_rate": 0.5, "return_rate_90d": ret,
                                  "no_show_rate": 0.1, "lapsed": 0},
                "ladder": {"reached": {}, "escalation_rate": esc_rate, "escalated": escalated},
                "depth": {"mean": 40.0, "tiers": {}},
                "spectrum": {"task_share": 0.7, "relationship_strength": 0.4,
                             "quadrant": "All task (transactional)"}}

    import pandas as pd
    empty = pd.DataFrame(columns=["program", "attended", "task_share", "relationship_strength",
                                  "quadrant", "active"])
    # 40 active, 3 new (their 90-day return rate is over 3 people), 2 of 10 eligible stepped up;
    # the previous period had 4 people
    text = " ".join(boardpack.narrate_privately(report(40, 3, 2, 0.2, 0.67),
                                                report(4, 4, 0, 0.0, None), empty, empty))
    assert "40 people took part" in text
    assert "fewer than 5 of them for the first time" in text and "3 of them" not in text
    assert "newcomers came back" not in text                  # rate over 3 newcomers
    assert "(fewer than 5 people)" in text and "(2 people)" not in text
    assert "up from 4" not in text and "from 4" not in text


# ---------------------------------------------------------------- Form 990 volunteers

def test_form_990_volunteers_count_the_fiscal_year(tmp_path: Path) -> None:
    o = Org()
    days = {"2023-06-30": "Main", "2023-07-01": "Main", "2024-06-30": "Other",
            "2024-07-01": "Main"}
    events = {d: o.event(d, p) for d, p in days.items()}
    o.part(1, events["2023-06-30"])            # FY 2023–24 starts 1 Jul 2023: out
    o.part(2, events["2023-07-01"])            # in
    o.part(3, events["2024-06-30"])            # in (Other)
    o.part(2, events["2024-06-30"])            # in, already counted
    o.part(4, events["2024-07-01"])            # next fiscal year: out
    o.part(5, events["2023-07-01"], status="registered")     # never attended: out
    con = open_store(tmp_path / "fy.duckdb", o)
    set_setting(con, "fiscal_year_start_month", 7)
    fy = boardpack.fiscal_year(dt.date(2024, 2, 29), 7)
    assert fy == (dt.date(2023, 7, 1), dt.date(2024, 7, 1))
    assert boardpack.fiscal_label(fy[0]) == "FY 2023–24"

    def count(*programs: str) -> int:
        return metrics.scalar(con, "boardpack_form990_volunteers", fy_start=fy[0],
                               fy_end=fy[1], programs=list(programs))

    assert count() == 2                      # people 2 and 3
    assert count("Main") == 1                # person 2
    con.close()


# ---------------------------------------------------------------- engine boundaries, CLI

def test_the_engine_module_does_not_import_streamlit() -> None:
    code = "import sys, engage_metrics.boardpack; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert out.stdout.strip() == "False"


def test_cli_writes_the_pack_and_rejects_bad_formats(tmp_path: Path) -> None:
    path = tmp_path / "tiny.duckdb"
    open_store(path, tiny_org()).close()

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "engage_metrics", "boardpack", "--db",
                               str(path), *args], capture_output=True, text=True, cwd=ROOT,
                              timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})

    bad = cli("--out", str(tmp_path / "x"), "--format", "pdf,doc")
    assert bad.returncode == 2 and "--format" in bad.stderr and "Traceback" not in bad.stderr
    bad = cli("--out", str(tmp_path / "x"), "--program", "Nope")
    assert bad.returncode == 2 and "unknown program" in bad.stderr
    ok = cli("--out", str(tmp_path / "out"), "--start", "2024-01-01", "--end", "2024-07-01",
             "--org-name", ORG, "--format", "pdf")
    assert ok.returncode == 0, ok.stderr
    pdf = tmp_path / "out" / "board-pack-2024-01-01-to-2024-06-30.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert not (tmp_path / "out" / "board-pack-2024-01-01-to-2024-06-30.pptx").exists()


# ---------------------------------------------------------------- the pages

def test_board_pack_page_generates_downloads(app, demo_store: DemoStore) -> None:
    at = app(demo_store.path, "boardpack")
    assert problems(at) == []
    assert at.text_input(key="boardpack_org").value == "Engage"      # the org_name setting
    at.text_input(key="boardpack_org").set_value(ORG)
    at.checkbox(key="boardpack_png").uncheck()
    at.button(key="boardpack_generate").click().run(timeout=240)
    assert problems(at) == []
    downloads = at.get("download_button")
    labels = [d.proto.label for d in downloads]
    assert labels == ["Download the PDF", "Download the PowerPoint"]
    assert any("ready" in s.value for s in at.success)


def test_presentation_page_walks_through_the_sections(app, demo_store: DemoStore) -> None:
    at = app(demo_store.path, "presentation")
    assert problems(at) == []
    assert at.title[0].value == "Engage"
    count = int(re.search(r"of (\d+)", at.caption[0].value).group(1))
    assert count >= 13
    at.button(key="presentation_next").click().run()
    assert problems(at) == []
    assert at.caption[0].value.startswith("Screen 2 of")
    assert at.header[0].value == "Headline numbers"
    at.button(key="presentation_next").click().run()
    at.button(key="presentation_next").click().run()
    assert len(at.get("plotly_chart")) == 1                  # one chart per screen
    at.button(key="presentation_previous").click().run()
    assert at.caption[0].value.startswith("Screen 3 of")


@pytest.mark.parametrize("page_name", ["boardpack", "presentation"])
def test_pages_on_an_empty_store_show_the_start_screen(app, tmp_path: Path, page_name) -> None:
    at = app(tmp_path / "empty.duckdb", page_name)
    assert problems(at) == []
    assert [t.value for t in at.title] == ["Welcome to Engage"]


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(not HAVE_BROWSER or not Path("/usr/bin/chromium").exists(),
                    reason="needs playwright and /usr/bin/chromium")
def test_board_pack_in_the_browser(server: str, page) -> None:
    page.goto(f"{server}/boardpack")
    page.get_by_role("button", name="Generate the board pack").click(timeout=90_000)
    pdf_button = page.get_by_role("button", name="Download the PDF")
    pdf_button.wait_for(timeout=240_000)
    with page.expect_download() as download:
        pdf_button.click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    assert page.console_errors == []
    page.goto(f"{server}/presentation")
    page.get_by_text("Screen 1 of").wait_for(timeout=90_000)
    assert not page.locator('section[data-testid="stSidebar"]').is_visible()
    page.keyboard.press("ArrowRight")
    page.get_by_text("Screen 2 of").wait_for(timeout=30_000)
    page.get_by_role("heading", name="Headline numbers").wait_for(timeout=30_000)
    assert page.console_errors == []


# ---------------------------------------------------------------- long names (issue 14.8)

# A program named in a few hundred characters, with a 204-letter word no line can break:
# the PDF's programs table raised "row too high", which lost the whole pack (every format)
LONG = ("Neighbourhood " + "Supercalifragilisticexpialidocious" * 6 + " organizing program"
        + " for every street" * 15)
LONG_ORG = "The " + "Extraordinarily" * 12 + " Longnamed Community Fund of " + "Somewhere " * 20


def long_names_org() -> Org:
    """8 people in the long-named program and 8 in Main, each at 3 events in the first half
    of 2024 and one before; every event type a few hundred characters long."""
    o = Org()
    for offset, program in ((0, LONG), (100, "Main")):
        for k, day in enumerate(("2023-10-10", "2024-02-10", "2024-03-10", "2024-04-10")):
            e = o.event(day, program, ("task", "mixed", "relationship", "task")[k],
                        event_type="Y" * 300)
            for p in range(1, 9):
                o.part(p + offset, e, hours=2.0, rung=2 + p % 3)
    return o


@pytest.fixture(scope="module")
def long_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("long") / "long.duckdb"
    open_store(path, long_names_org()).close()
    return path


@contextmanager
def fake_charts() -> Iterator:
    """A chart renderer without Chromium: a small grey PNG per chart."""
    from PIL import Image

    def render(fig, size: tuple[int, int]) -> bytes:
        buf = io.BytesIO()
        Image.new("RGB", (size[0] // 20, size[1] // 20), "grey").save(buf, "PNG")
        return buf.getvalue()
    yield render


def chart_labels(fig) -> list[str]:
    """The text drawn on a figure's markers and its axes' category labels, <br> as spaces."""
    out = []
    for trace in fig.data:
        texts = getattr(trace, "text", None)
        if isinstance(texts, (list, tuple)) and "markers" in (getattr(trace, "mode", "") or ""):
            out += [str(t).replace("<br>", " ") for t in texts]
    return out


def test_long_names_are_shortened_alike_in_every_table_and_chart(long_store: Path) -> None:
    con = db.connect(long_store)
    try:
        sections = boardpack.build_sections(con, TINY, LONG_ORG, today=TODAY)
    finally:
        con.close()
    short = boardpack.short_label(LONG)
    assert short != LONG and len(short) <= boardpack.LABEL_CHARS and "…" in short
    assert short == boardpack.short_label(LONG)             # the same name, the same label
    by_key = {s.key.split("_", 1)[1]: s for s in sections}
    programs = [r[0] for r in by_key["programs"].table.rows]
    assert short in programs and "Main" in programs and LONG not in programs
    assert short in chart_labels(by_key["spectrum"].figure)
    for s in sections:
        for row in (s.table.columns, *s.table.rows) if s.table else ():
            assert all(len(cell) <= 2 * boardpack.LABEL_CHARS for cell in row), (s.title, row)
        assert all(len(label) <= boardpack.LABEL_CHARS
                   for label in (chart_labels(s.figure) if s.figure else ())), s.title
        assert LONG not in " ".join((s.title, s.lead, *s.bullets)), s.title
        assert "Y" * 100 not in " ".join((s.title, s.lead, *s.bullets))
    # every document renders them (the PDF's table raised "row too high" here)
    text = boardpack.render_pdf(sections, sections[0].title, boardpack.period_text(TINY))
    assert text.startswith(b"%PDF")
    prs = Presentation(io.BytesIO(boardpack.render_pptx(sections, sections[0].title)))
    assert short in list(pptx_texts(prs))


@needs_pdftotext
def test_cli_writes_every_format_with_a_long_program_name(long_store: Path, tmp_path: Path,
                                                          capsys) -> None:
    """`engage boardpack` on a store with a long program name, charts drawn by Chromium:
    it was a traceback and no file at all."""
    from engage_metrics import cli

    out_dir = tmp_path / "out"
    code = cli.main(["boardpack", "--db", str(long_store), "--out", str(out_dir),
                     "--start", "2024-01-01", "--end", "2024-07-01", "--org-name", LONG_ORG])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    stem = out_dir / "board-pack-2024-01-01-to-2024-06-30"
    pdf, pptx = stem.with_suffix(".pdf"), stem.with_suffix(".pptx")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert Presentation(pptx).slides
    charts = sorted((out_dir / f"{stem.name}-charts").glob("*.png"))
    assert len(charts) >= 6 and all(p.read_bytes().startswith(b"\x89PNG") for p in charts)
    assert zipfile.ZipFile(out_dir / f"{stem.name}-charts.zip").namelist()
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    words = boardpack.short_label(LONG).split()
    assert words[0] in text and LONG not in re.sub(r"\s+", " ", text)


def test_one_failing_format_loses_none_of_the_others(long_store: Path, tmp_path: Path,
                                                     monkeypatch, capsys) -> None:
    from engage_metrics import cli
    from engage_metrics.boardpack import pack as pack_module

    def broken(*args, **kwargs) -> bytes:
        raise RuntimeError("the PDF writer broke")

    monkeypatch.setattr(pack_module, "chart_renderer", fake_charts)
    monkeypatch.setattr(pack_module, "render_pdf", broken)
    out_dir = tmp_path / "out"
    code = cli.main(["boardpack", "--db", str(long_store), "--out", str(out_dir),
                     "--start", "2024-01-01", "--end", "2024-07-01"])
    printed = capsys.readouterr()
    assert code == 2
    assert printed.err.count("\n") == 1 and "PDF" in printed.err and "broke" in printed.err
    written = {Path(line).name for line in printed.out.splitlines()}
    stem = "board-pack-2024-01-01-to-2024-06-30"
    assert {f"{stem}.pptx", f"{stem}-charts.zip"} <= written and f"{stem}.pdf" not in written
    assert (out_dir / f"{stem}.pptx").exists() and not (out_dir / f"{stem}.pdf").exists()
    assert list((out_dir / f"{stem}-charts").glob("*.png"))


def test_board_pack_page_with_a_long_program_name(app, long_store: Path, tmp_path: Path,
                                                  monkeypatch) -> None:
    import shutil as sh

    from engage_metrics.boardpack import pack as pack_module

    path = tmp_path / "long.duckdb"
    sh.copy(long_store, path)
    monkeypatch.setattr(pack_module, "chart_renderer", fake_charts)
    at = app(path, "boardpack")
    at.button(key="boardpack_generate").click().run(timeout=240)
    assert problems(at) == []
    labels = [d.proto.label for d in at.get("download_button")]
    assert labels == ["Download the PDF", "Download the PowerPoint",
                      "Download the charts (PNG, zip)"]
    # a format failing for another reason: the others are offered, the failure named
    monkeypatch.setattr(pack_module, "render_pptx",
                        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("pptx broke")))
    at.text_input(key="boardpack_org").set_value("Other name")
    at.button(key="boardpack_generate").click().run(timeout=240)
    assert [e.value for e in at.exception] == []
    labels = [d.proto.label for d in at.get("download_button")]
    assert labels == ["Download the PDF", "Download the charts (PNG, zip)"]
    assert any("PowerPoint" in w.value for w in [*at.warning, *at.error])


def test_a_page_failure_tells_a_viewer_nothing_of_pages_they_cannot_open(
        app, demo_store: DemoStore, monkeypatch) -> None:
    from test_auth import PASSWORD_SECRETS, VIEWER_PW, sign_in

    def broken(*args, **kwargs):
        raise RuntimeError("something inside broke")

    monkeypatch.setattr(boardpack, "build_pack", broken)
    at = app(demo_store.path, secrets=PASSWORD_SECRETS)
    sign_in(at, "dana", VIEWER_PW)
    at.switch_page("pages/boardpack.py").run()
    at.button(key="boardpack_generate").click().run()
    [shown] = [e.value for e in at.error]
    assert "could not be computed" in shown
    assert "Data page" not in shown and "Settings page" not in shown and "inside" not in shown


def test_names_that_shorten_alike_keep_apart() -> None:
    north = "Youth organizing program for the northern neighbourhoods of the city"
    south = north.replace("northern", "southern")
    labels = boardpack.short_labels([north, south, "Main", north])
    assert labels["Main"] == "Main"
    assert "northern" in labels[north] and "southern" in labels[south]
    assert all(len(v) <= boardpack.LABEL_CHARS for v in labels.values())
    assert len(set(labels.values())) == 3
    twins = boardpack.short_labels(["x" * 300, "x" * 300 + " ", "x" * 301])
    assert len(set(twins.values())) == 2             # the same name twice is one program


def test_flow_summary_counts_people_back_after_a_break_apart() -> None:
    """Back after a break is its own movement, never "moved up" (their earlier rung is not
    in the flows): 12 + 7 + 6 + 9 + 5 = 39 people, each counted once."""
    flows = pd.DataFrame({"source": ["Rung 2 (A)", "Rung 3 (A)", "New", "Back", "Rung 3 (A)"],
                          "target": ["Rung 3 (B)", "Rung 3 (B)", "Rung 3 (B)", "Rung 4 (B)",
                                     "Lapsed"],
                          "people": [12, 7, 6, 9, 5]})
    summary = dict(flow_summary(flows))
    assert {k: summary[k] for k in list(summary)[:5]} == {
        "Stepped up one rung or more": "12", "Stayed on their rung": "7",
        "New this period": "6", "Back after a break this period": "9",
        "Not seen this period": "5"}
    assert summary["New at or moved up to 3 Contributing"] == "18"     # 12 up + 6 new
    assert summary["New at or moved up to 4 Owning"] == "0"            # the 9 back: not moved
