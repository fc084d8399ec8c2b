"""The pack assembled: the sections drawn with one Chromium, written as the formats asked
for, and saved to a folder.

One format failing never loses the others: a chart that cannot be drawn leaves its page
with a sentence saying so, a document that cannot be written (or saved) is left out, and
every such failure is named, in one line each, in :attr:`BoardPack.failures` — the CLI
prints them and exits 2, the dashboard shows them beside the downloads that worked."""
from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from engage_metrics.boardpack.images import chart_renderer
from engage_metrics.boardpack.numbers import Progress
from engage_metrics.boardpack.pdf import render_pdf
from engage_metrics.boardpack.sections import Section, build_sections
from engage_metrics.boardpack.slides import render_pptx
from engage_metrics.metrics import Window
from engage_metrics.periods import period_text

FORMATS = ("pdf", "pptx", "png")
FORMAT_NAMES = {"pdf": "PDF", "pptx": "PowerPoint", "png": "chart images"}


@dataclass
class BoardPack:
    """The pack in memory: its sections and the bytes of every format produced."""

    window: Window
    org_name: str
    sections: list[Section]
    pdf: bytes | None = None
    pptx: bytes | None = None
    pngs: dict[str, bytes] = field(default_factory=dict)
    png_zip: bytes | None = None
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)     # one line per failure

    @property
    def stem(self) -> str:
        last = self.window.end - dt.timedelta(days=1)
        return f"board-pack-{self.window.start.isoformat()}-to-{last.isoformat()}"

    def files(self) -> dict[str, bytes]:
        """File name -> bytes of every output produced."""
        out = {}
        if self.pdf is not None:
            out[f"{self.stem}.pdf"] = self.pdf
        if self.pptx is not None:
            out[f"{self.stem}.pptx"] = self.pptx
        if self.png_zip is not None:
            out[f"{self.stem}-charts.zip"] = self.png_zip
        return out


def build_pack(con: duckdb.DuckDBPyConnection, window: Window, org_name: str | None = None,
               formats: Sequence[str] = FORMATS, progress: Progress | None = None,
               today: dt.date | None = None) -> BoardPack:
    """Compute, draw and assemble the pack in memory (see :func:`write_pack`)."""
    unknown = set(formats) - set(FORMATS)
    if unknown or not formats:
        raise ValueError(f"formats must be some of {', '.join(FORMATS)}; got {sorted(formats)}")
    started = time.perf_counter()
    step = progress or (lambda fraction, text: None)
    pngs: dict[str, bytes] = {}
    failures: list[str] = []
    with chart_renderer() as render:        # Chromium starts while the numbers are computed
        sections = build_sections(con, window, org_name, today, step)
        charted = [s for s in sections if s.figure is not None]
        for i, s in enumerate(charted):
            step(0.45 + 0.4 * i / len(charted), f"Drawing chart {i + 1} of {len(charted)}: "
                                                 f"{s.title}")
            try:
                s.png = pngs[f"{s.key}.png"] = render(s.figure, s.size)
            except Exception as exc:  # noqa: BLE001 - one chart failing loses no other
                failures.append(f"the chart “{s.title}” could not be drawn "
                                f"({_reason(exc)})")
                s.bullets = (*s.bullets, "This chart could not be drawn.")
    org = sections[0].title
    pack = BoardPack(window, org, sections, pngs=pngs, failures=failures)
    period = period_text(window)
    writers = {"pdf": (0.87, "Writing the PDF", lambda: render_pdf(sections, org, period)),
               "pptx": (0.94, "Writing the PowerPoint", lambda: render_pptx(sections, org)),
               "png": (0.97, "Zipping the chart images", lambda: _zip(pack.pngs))}
    for fmt in FORMATS:
        if fmt not in formats:
            continue
        fraction, text, write = writers[fmt]
        step(fraction, text)
        try:
            content = write()
        except Exception as exc:  # noqa: BLE001 - one format failing loses none of the others
            pack.failures.append(f"the {FORMAT_NAMES[fmt]} could not be written ({_reason(exc)})")
            continue
        if fmt == "pdf":
            pack.pdf = content
        elif fmt == "pptx":
            pack.pptx = content
        else:
            pack.png_zip = content
    pack.seconds = time.perf_counter() - started
    step(1.0, f"Board pack ready in {pack.seconds:.0f} s")
    return pack


def _zip(pngs: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, png in pngs.items():
            z.writestr(name, png)
    return buf.getvalue()


def _reason(exc: BaseException) -> str:
    """An exception in a few words, on one line."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def write_pack(pack: BoardPack, out_dir: Path) -> list[Path]:
    """Write the PDF, the PowerPoint and the chart PNGs (files and zip) into *out_dir*; a
    file that cannot be saved is named in pack.failures and the others are still written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []

    def save(path: Path, content: bytes) -> None:
        try:
            path.write_bytes(content)
        except OSError as exc:
            path.unlink(missing_ok=True)
            pack.failures.append(f"{path.name} could not be saved ({exc.strerror or exc})")
        else:
            written.append(path)

    for name, content in pack.files().items():
        save(out_dir / name, content)
    if pack.png_zip is not None:
        charts_dir = out_dir / f"{pack.stem}-charts"
        charts_dir.mkdir(exist_ok=True)
        for name, png in pack.pngs.items():
            save(charts_dir / name, png)
    return written
