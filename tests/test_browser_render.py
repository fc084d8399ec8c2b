"""The real browser's side of "nothing from the data runs or renders as code" (issue 14):
a hostile export uploaded and imported through the Data page fetches nothing from the
addresses it plants and shows them as text, and the People table's own "Download as CSV"
(Streamlit's toolbar) gives cells a spreadsheet does not run. The AppTest side, page by
page, is tests/test_render_text.py.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from helpers_browser import CHROMIUM
from test_browser import settle
from test_render_text import IMAGE, LINK, hostile_export

from engage_ui.text import WORD_JOINER

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs /usr/bin/chromium")]
PLANTED = ("127.0.0.1:9", "evil.example")


def test_a_hostile_upload_fetches_nothing_and_its_cells_download_neutralized(
        server: str, page, tmp_path: Path) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    # The toolbar saves through the File System Access API when the browser has it (a save
    # dialog), else through a download: the download is what a test can read.
    page.add_init_script("window.showSaveFilePicker = async () => { throw new Error('none'); };")
    export = {"name": f"{LINK}.csv", "mimeType": "text/csv", "buffer": hostile_export()}

    page.goto(f"{server}/data")
    settle(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(export)
    page.get_by_text("detected source").first.wait_for(timeout=60_000)
    settle(page)
    page.get_by_role("button", name=re.compile(r"Import 1 file")).click()
    page.get_by_text("accepted").first.wait_for(timeout=90_000)
    settle(page)
    assert [u for u in requests if any(p in u for p in PLANTED)] == []
    assert page.locator('img[src*="127.0.0.1"], a[href*="evil.example"]').count() == 0
    summary = page.locator('[data-testid="stAlertContentSuccess"]').first.inner_text()
    assert IMAGE.replace("http", "http" + WORD_JOINER) in summary     # shown as written
    assert LINK.replace("http", "http" + WORD_JOINER) in summary

    page.goto(f"{server}/people")
    settle(page)
    page.get_by_label("Search by name, email or program").fill("evil.example")
    page.keyboard.press("Enter")
    page.get_by_text(re.compile(r"^\d+ of [\d,]+ people")).first.wait_for(timeout=60_000)
    playwright.expect(page.get_by_text(re.compile(r"^[1-9] of [\d,]+ people"))).to_have_count(
        1, timeout=60_000)
    settle(page)
    table = page.locator('[data-testid="stDataFrame"]').first
    table.hover()
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="Download as CSV").first.click()
    path = tmp_path / "toolbar.csv"
    info.value.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    names = [row[[h.lower() for h in rows[0]].index("name")] for row in rows[1:]]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in names and "'@SUM(1+1)" in names
    runnable = [c for row in rows for c in row
                if c.startswith(("=", "+", "@", "\t", "\r")) or re.match(r"-(?!\d+(\.\d+)?$)", c)]
    assert runnable == []
    assert [u for u in requests if any(p in u for p in PLANTED)] == []
    assert page.console_errors == []
