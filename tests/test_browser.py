"""Real-browser tests: `streamlit run dashboard.py` on a free loopback port, driven by
Chromium through Playwright. Every page opens without console errors and draws its
charts; an uploaded export changes the numbers and undoing it restores them.
Screenshots of every page are saved in test-artifacts/.
"""
from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pytest
from helpers_browser import CHROMIUM, streamlit_server
from helpers_ui import CHART_PAGES, PAGES, ROOT

playwright = pytest.importorskip("playwright.sync_api")
ARTIFACTS = ROOT / "test-artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs /usr/bin/chromium")]
IDLE = '[data-testid="stApp"][data-test-connection-state="CONNECTED"][data-test-script-state="notRunning"]'


def settle(pg, charts: int = 0, timeout: float = 90_000) -> None:
    """Wait until the page shows the app (a title and the shared filters), *charts* plotly
    charts are drawn and the script run is over: Streamlit marks its root element
    `notRunning` only when a run has finished (it says `initial` before the first run).
    (The status widget's running icon shows only after half a second of running, so its
    absence says nothing about a run that has just started.) After a click, wait first
    for what the click's run shows: the page is `notRunning` until that run starts."""
    pg.wait_for_selector("h1", timeout=timeout)
    pg.get_by_text("Hide names").wait_for(timeout=timeout)
    if charts:
        pg.wait_for_function(f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {charts}",
                             timeout=timeout)
    pg.locator(IDLE).wait_for(state="attached", timeout=timeout)


def metric(pg, label: str) -> str:
    card = pg.locator('[data-testid="stMetric"]', has_text=label).first
    return card.locator('[data-testid="stMetricValue"]').inner_text()


@pytest.mark.parametrize("name", PAGES)
def test_every_page_opens_and_draws(server: str, page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(server if name == "overview" else f"{server}/{name}")
    settle(page, CHART_PAGES.get(name, 0))
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    # the shared filters are in the sidebar on every page
    assert page.get_by_text("Hide names").count() == 1
    page.screenshot(path=str(ARTIFACTS / f"page-{name}.png"), full_page=True)
    assert page.console_errors == []


def realistic_export(rows: int = 40) -> bytes:
    """An attendance export (generic columns, phone numbers as people type them) of new volunteers at two shifts last month."""
    lines = ["First name,Last name,Email,Phone,Event name,Event type,Team,Start date,"
             "Attendance status,Role"]
    for i in range(rows):
        day = 10 + i % 2
        lines.append(f"Newcomer{i},Tester,newcomer{i}@uploads.example.org,(555) 010-{1000 + i},"
                     f"Riverside cleanup,Cleanup,River Crew,2026-10-{day} 09:00,Attended,volunteer")
    return ("\n".join(lines) + "\n").encode()


def test_upload_changes_numbers_and_undo_restores_them(server: str, page, tmp_path: Path) -> None:
    page.goto(server)
    settle(page, 2)
    before = metric(page, "Active people")
    export = tmp_path / "mobilize-attendance-october.csv"
    export.write_bytes(realistic_export())

    page.goto(f"{server}/data")
    settle(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(export))
    page.get_by_text("detected source").first.wait_for(timeout=60_000)
    settle(page)
    page.get_by_role("button", name=re.compile(r"Import 1 file")).click()
    page.get_by_text("40 accepted").first.wait_for(timeout=90_000)
    settle(page)
    page.screenshot(path=str(ARTIFACTS / "upload-result.png"), full_page=True)

    page.goto(server)
    settle(page, 2)
    after = metric(page, "Active people")
    assert int(after.replace(",", "")) == int(before.replace(",", "")) + 40

    page.goto(f"{server}/data")
    settle(page)
    # The undo commits in the run the click starts, which then reruns to list the history
    # without that import: its button gone means the undo is done. (Leaving the page before
    # that showed the numbers still with the upload on a loaded machine.)
    newest = page.get_by_role("button", name=re.compile(r"Undo import #\d+")).inner_text()
    undo = page.get_by_role("button", name=re.compile(rf"{re.escape(newest)}\b"))
    undo.click()
    playwright.expect(undo).to_have_count(0, timeout=90_000)
    settle(page)
    page.goto(server)
    settle(page, 2)
    assert metric(page, "Active people") == before
    assert page.console_errors == []


def test_sign_in_gate_in_a_shared_deployment(demo_store, page, tmp_path: Path) -> None:
    """Password mode from a real secrets file: nothing renders before sign-in, a wrong
    password is refused, a viewer gets the numbers without the analyst pages."""
    from engage_metrics import auth

    cwd = tmp_path / "deployment"
    (cwd / ".streamlit").mkdir(parents=True)
    (cwd / ".streamlit" / "secrets.toml").write_text(
        '[engage.auth]\nmode = "password"\n\n[engage.users.dana]\n'
        f'password_hash = "{auth.hash_password("board-2026", iterations=auth.MIN_ITERATIONS)}"\n'
        'role = "viewer"\n')
    path = tmp_path / "engage.duckdb"
    shutil.copy(demo_store.path, path)
    with streamlit_server(path, cwd) as server:
        for url in (server, f"{server}/data"):
            page.goto(url)
            page.get_by_role("heading", name="Sign in to Engage").wait_for(timeout=60_000)
            assert page.locator('[data-testid="stMetric"]').count() == 0
            assert page.locator('[data-testid="stSidebarNav"]').count() == 0
        # /data is no page of a signed-out session: Streamlit says so and shows the sign-in
        page.get_by_role("dialog").get_by_text("Page not found").wait_for(timeout=30_000)
        page.keyboard.press("Escape")
        page.get_by_role("dialog").wait_for(state="detached", timeout=30_000)
        page.get_by_label("User name").fill("dana")
        page.get_by_label("Password", exact=True).fill("wrong")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_text("The user name or the password is wrong").wait_for(timeout=30_000)
        assert page.locator('[data-testid="stMetric"]').count() == 0
        page.get_by_label("Password", exact=True).fill("board-2026")
        page.get_by_role("button", name="Sign in").click()
        settle(page, 2)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "signed-in-viewer.png"), full_page=True)
        assert metric(page, "Active people")
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "Overview" in nav and "Definitions" in nav
        assert not any(name in nav for name in ("People", "Data", "Settings"))
        assert page.get_by_text("Signed in as dana (viewer)").count() == 1
        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("heading", name="Sign in to Engage").wait_for(timeout=30_000)
        # the signed-in page's elements stay on screen, marked stale, until the sign-in
        # run ends; then every number must be gone
        playwright.expect(page.locator('[data-testid="stMetric"]')).to_have_count(0, timeout=30_000)
    expected = "The page that you have requested does not seem to exist"   # the /data visit
    assert [e for e in page.console_errors if not e.startswith(expected)] == []


def test_people_csv_download_is_built_on_click(server: str, page, tmp_path: Path) -> None:
    """The People page's CSV is generated only when clicked (deferred data) and arrives
    whole: one line per person shown, Excel's BOM, formula-safe cells."""
    page.goto(f"{server}/people")
    settle(page)
    caption = page.get_by_text(re.compile(r"^[\d,]+ of [\d,]+ people")).first.inner_text()
    shown = int(caption.split(" of ")[0].replace(",", ""))
    button = page.get_by_role("button", name="Download these people (CSV)")
    for attempt in range(3):    # a click as a rerun redraws the button can be lost: again
        try:
            with page.expect_download(timeout=30_000) as info:
                button.click()
            break
        except playwright.TimeoutError:
            if attempt == 2:
                raise
            settle(page)
    path = tmp_path / "people.csv"
    info.value.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").strip().split("\r\n")
    assert len(lines) == shown + 1
    assert not any(cell.startswith(("=", "+", "@")) for line in lines for cell in line.split(","))
    assert page.console_errors == []


def test_who_to_ask_next_ranks_people_and_downloads_the_list(server: str, page,
                                                           tmp_path: Path) -> None:
    """Ladder & asks: the backtest's calibration chart is drawn, a rung's tab shows the people
    most likely to say yes to it, and its list downloads as a formula-safe CSV, most likely
    first."""
    page.goto(f"{server}/ladder")
    settle(page, CHART_PAGES["ladder"])
    page.get_by_text("Who to ask next").first.wait_for()
    page.locator(".js-plotly-plot", has_text="Backtest of").first.wait_for()
    page.get_by_role("tab", name="Ask for rung 4 Owning").click()
    button = page.get_by_role("button", name="Download this list (CSV)").filter(visible=True)
    button.first.wait_for()
    with page.expect_download(timeout=90_000) as info:
        button.first.click()
    path = tmp_path / "ask.csv"
    info.value.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    assert rows[0] == ["person_id", "name", "email", "current_rung", "depth", "tier", "chance",
                       "reasons"]
    chances = [float(row[6]) for row in rows[1:]]
    assert len(chances) > 5 and chances == sorted(chances, reverse=True)
    assert all(int(row[3]) < 4 for row in rows[1:])
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []


def test_a_target_set_on_settings_is_charted_on_the_overview(server: str, page) -> None:
    """Settings: an analyst adds a target (active people, 1,800, the default due date); the
    Overview then says where it stands and draws its progress chart; removing it leaves the
    Overview as it was."""
    page.goto(f"{server}/settings")
    settle(page)
    page.get_by_label("Value to reach", exact=True).fill("1800")
    page.get_by_role("button", name="Add target").click()
    page.get_by_text("Remove target").first.wait_for(timeout=90_000)
    page.goto(server)
    settle(page, CHART_PAGES.get("overview", 0) + 1)
    chart = page.locator(".js-plotly-plot", has_text="Targets: progress now")
    chart.first.wait_for(timeout=90_000)
    assert page.get_by_text("1,800").count() >= 1
    assert page.locator('[data-testid="stException"]').count() == 0
    page.goto(f"{server}/settings")
    settle(page)
    page.get_by_role("button", name="Remove target").click()
    page.get_by_text("No targets yet").wait_for(timeout=90_000)
    assert page.console_errors == []


def ambiguous_workbook(path: Path) -> None:
    """A sign-in workbook typed by hand: its dates are text such as 03/04/2024, every one
    of which reads both day-first and month-first."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Sign-ins"
    sheet.append(["Name", "Email", "Event", "Date", "Status"])
    for i, (event, date) in enumerate([("Riverside cleanup", "03/04/2024")] * 3
                                      + [("Potluck", "05/06/2024")] * 2):
        sheet.append([f"Ordering{i} Tester", f"ordering{i}@uploads.example.org", event, date,
                      "attended"])
    book.save(path)


def test_ambiguous_dates_ask_for_their_order_then_import_and_undo(
        demo_store, page, tmp_path: Path) -> None:
    """An organization uploads a workbook whose dates all read both ways (its time zone is
    no hint); the Data page asks for the order with a preview, and imports in the one
    chosen."""
    path = tmp_path / "engage.duckdb"
    shutil.copy(demo_store.path, path)
    workbook = tmp_path / "spring-signins.xlsx"
    ambiguous_workbook(workbook)
    with streamlit_server(path) as server:
        page.goto(f"{server}/data")
        settle(page)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(workbook))
        page.get_by_text("can be read day-first or month-first").first.wait_for(timeout=60_000)
        settle(page)
        preview = page.locator('[data-testid="stTable"]').first
        playwright.expect(preview).to_contain_text("Wednesday 3 April 2024")
        playwright.expect(preview).to_contain_text("Monday 4 March 2024")
        importing = page.get_by_role("button", name=re.compile(r"Import \d+ file"))
        playwright.expect(importing).to_be_disabled()

        page.get_by_text("Day-first: 03/04/2024 is Wednesday 3 April 2024").click()
        playwright.expect(preview).not_to_contain_text("4 March 2024", timeout=60_000)
        playwright.expect(preview).to_contain_text("Wednesday 5 June 2024")
        settle(page)
        page.screenshot(path=str(ARTIFACTS / "upload-date-order.png"), full_page=True)
        playwright.expect(importing).to_be_enabled()
        importing.click()
        page.get_by_text("5 accepted").first.wait_for(timeout=90_000)
        settle(page)
        result = page.locator('[data-testid="stAlertContentSuccess"]').first
        playwright.expect(result).to_contain_text("dates read day-first, as chosen")
        imported = re.search(r"spring-signins\.xlsx: import #(\d+)", result.inner_text())
        assert imported is not None

        number = imported.group(1)
        choose = page.get_by_role("combobox", name="Import")
        choose.click()
        choose.press_sequentially(f"#{number} spring")
        page.get_by_role("option", name=re.compile(rf"#{number} spring-signins")).click()
        undo = page.get_by_role("button", name=f"Undo import #{number}")
        undo.wait_for(timeout=60_000)
        settle(page)
        undo.click()
        playwright.expect(undo).to_have_count(0, timeout=90_000)
        settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []
