"""The pack assembled: the sections drawn with one Chromium, written as the formats asked
for, and saved to a folder."""
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
    with chart_renderer() as render:        # Chromium starts while the numbers are computed
        sections = build_sections(con, window, org_name, today, step)
        charted = [s for s in sections if s.figure is not None]
        for i, s in enumerate(charted):
            step(0.45 + 0.4 * i / len(charted), f"Drawing chart {i + 1} of {len(charted)}: "
                                                 f"{s.title}")
            s.png = pngs[f"{s.key}.png"] = render(s.figure, s.size)
    org = sections[0].title
    pack = BoardPack(window, org, sections, pngs=pngs)
    period = period_text(window)
    if "pdf" in formats:
        step(0.87, "Writing the PDF")
        pack.pdf = render_pdf(sections, org, period)
    if "pptx" in formats:
        step(0.94, "Writing the PowerPoint")
        pack.pptx = render_pptx(sections, org)
    if "png" in formats:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, png in pack.pngs.items():
                z.writestr(name, png)
        pack.png_zip = buf.getvalue()
    pack.seconds = time.perf_counter() - started
    step(1.0, f"Board pack ready in {pack.seconds:.0f} s")
    return pack


def write_pack(pack: BoardPack, out_dir: Path) -> list[Path]:
    """Write the PDF, the PowerPoint and the chart PNGs (files and zip) into *out_dir*."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in pack.files().items():
        (out_dir / name).write_bytes(content)
        written.append(out_dir / name)
    if pack.png_zip is not None:
        charts_dir = out_dir / f"{pack.stem}-charts"
        charts_dir.mkdir(exist_ok=True)
        for name, png in pack.pngs.items():
            (charts_dir / name).write_bytes(png)
            written.append(charts_dir / name)
    return written
