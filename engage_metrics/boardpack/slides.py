"""The pack as a 16:9 PowerPoint (python-pptx): one slide per section, the definitions of its
numbers in the speaker notes."""
from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from engage_metrics import registry
from engage_metrics.boardpack.labels import FOOTER_ORG_CHARS, short_label
from engage_metrics.boardpack.sections import Section, definition
from engage_metrics.boardpack.suppression import SUPPRESSION_NOTE
from engage_metrics.theme import DOCUMENT_INK as INK
from engage_metrics.theme import DOCUMENT_MUTED as MUTED

SLIDE_W_IN, SLIDE_H_IN = 13.333, 7.5
PPTX_FONT = "Calibri"       # on every Office install; covers €, accents and curly quotes


def render_pptx(sections: Sequence[Section], org_name: str) -> bytes:
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Inches, Pt

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_W_IN), Inches(SLIDE_H_IN)
    prs.core_properties.title = f"{org_name} — engagement board pack"
    prs.core_properties.author = "Engage"
    prs.core_properties.last_modified_by = "Engage"
    ink, muted = RGBColor(*INK), RGBColor(*MUTED)
    left, width = Inches(0.6), Inches(SLIDE_W_IN - 1.2)

    def style_runs(frame: Any, size: float, color: RGBColor, bold: bool = False) -> None:
        for p in frame.paragraphs:
            for r in p.runs:
                r.font.size, r.font.bold, r.font.name = Pt(size), bold, PPTX_FONT
                r.font.color.rgb = color

    def text_box(slide: Any, x: float, y: float, w: float, h: float, lines: Sequence[str],
                 size: float, color: RGBColor = ink, bullet: bool = False) -> None:
        frame = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h)).text_frame
        frame.word_wrap = True
        for i, line in enumerate(lines):
            p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            p.text = f"•  {line}" if bullet else line
            p.space_after = Pt(size * 0.6)
        style_runs(frame, size, color)

    def notes(slide: Any, s: Section) -> None:
        parts = [s.lead] + [f"{registry.get(m).label}: {definition(m)}" for m in s.metric_ids]
        slide.notes_slide.notes_text_frame.text = "\n\n".join(p for p in parts if p)

    def titled(title: str, lead: str) -> Any:
        slide = prs.slides.add_slide(prs.slide_layouts[5])       # "Title Only"
        shape = slide.shapes.title
        shape.left, shape.top, shape.width, shape.height = left, Inches(0.3), width, Inches(0.85)
        shape.text = title
        shape.text_frame.paragraphs[0].alignment = 1              # left
        style_runs(shape.text_frame, 30, ink, bold=True)
        if lead:
            text_box(slide, 0.6, 1.1, SLIDE_W_IN - 1.2, 0.6, [lead], 13, muted)
        footer = [f"{short_label(org_name, FOOTER_ORG_CHARS)} · {SUPPRESSION_NOTE}"]
        text_box(slide, 0.6, SLIDE_H_IN - 0.45, SLIDE_W_IN - 1.2, 0.3, footer, 9, muted)
        return slide

    top, bottom = 1.8, SLIDE_H_IN - 0.55
    for s in sections:
        if s.kind == "title":
            slide = prs.slides.add_slide(prs.slide_layouts[0])
            slide.shapes.title.text = s.title
            style_runs(slide.shapes.title.text_frame, 40, ink, bold=True)
            sub = slide.placeholders[1]
            sub.text = "\n".join((s.lead, *s.bullets))
            style_runs(sub.text_frame, 20, muted)
            for shape in (slide.shapes.title, sub):
                shape.left, shape.width = left, width
            slide.shapes.title.top, slide.shapes.title.height = Inches(1.8), Inches(1.6)
            sub.top, sub.height = Inches(3.6), Inches(2.4)
            slide.notes_slide.notes_text_frame.text = (
                "Engagement board pack produced by Engage. No personal data: counts of fewer "
                "than 5 people are shown as “< 5”.")
            continue
        if s.kind == "definitions":
            for i, chunk in enumerate(_chunks(s.definitions, 2600)):
                slide = titled(s.title if i == 0 else f"{s.title} (continued)", s.lead)
                frame = slide.shapes.add_textbox(Inches(0.6), Inches(top), width,
                                                 Inches(bottom - top)).text_frame
                frame.word_wrap = True
                for j, (label, text) in enumerate(chunk):
                    p = frame.paragraphs[0] if j == 0 else frame.add_paragraph()
                    run = p.add_run()
                    run.text = f"{label}. "
                    run.font.bold = True
                    run = p.add_run()
                    run.text = text
                    p.space_after = Pt(6)
                for p in frame.paragraphs:
                    for r in p.runs:
                        r.font.size, r.font.name = Pt(11), PPTX_FONT
                        r.font.color.rgb = ink
                slide.notes_slide.notes_text_frame.text = "\n\n".join(
                    f"{label}: {text}" for label, text in chunk)
            continue
        slide = titled(s.title, s.lead)
        notes(slide, s)
        area_h = bottom - top - (0.9 if s.bullets and s.png is not None else 0)
        if s.png is not None:
            area_w = SLIDE_W_IN - 1.2 if s.table is None else (SLIDE_W_IN - 1.2) * 0.62
            ratio = s.size[0] / s.size[1]
            w = min(area_w, area_h * ratio)
            x = 0.6 + (area_w - w) / 2
            pic = slide.shapes.add_picture(io.BytesIO(s.png), Inches(x), Inches(top),
                                           width=Inches(w))
            pic.name = f"Chart {s.title}"
            pic._element.nvPicPr.cNvPr.set("descr", s.alt)
        if s.table is not None:
            x = 0.6 if s.png is None else 0.6 + (SLIDE_W_IN - 1.2) * 0.65
            w = SLIDE_W_IN - 0.6 - x
            n_rows = len(s.table.rows) + 1
            row_h = min(0.42, area_h / n_rows)
            shape = slide.shapes.add_table(n_rows, len(s.table.columns), Inches(x), Inches(top),
                                           Inches(w), Inches(row_h * n_rows))
            table = shape.table
            total = sum(s.table.widths)
            for j, cw in enumerate(s.table.widths):
                table.columns[j].width = int(Inches(w) * cw / total)
            size = 14 if n_rows <= 10 else 12
            for i, r in enumerate((s.table.columns, *s.table.rows)):
                table.rows[i].height = Inches(row_h)
                for j, text in enumerate(r):
                    cell = table.cell(i, j)
                    cell.text = text
                    cell.text_frame.paragraphs[0].alignment = 1 if j == 0 else 3
                    style_runs(cell.text_frame, size, ink, bold=i == 0)
        if s.bullets:
            y = bottom - 0.85 if s.png is not None else (
                top if s.table is None else top + min(0.42, area_h / (len(s.table.rows) + 1))
                * (len(s.table.rows) + 1) + 0.25)
            text_box(slide, 0.6, y, SLIDE_W_IN - 1.2, bottom - y,
                     s.bullets, 20 if s.png is None and s.table is None else 13, bullet=True)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


def _chunks(entries: Sequence[tuple[str, str]], chars: int) -> list[list[tuple[str, str]]]:
    """Definitions split into slides of about *chars* characters each."""
    out: list[list[tuple[str, str]]] = [[]]
    used = 0
    for entry in entries:
        size = len(entry[0]) + len(entry[1])
        if out[-1] and used + size > chars:
            out.append([])
            used = 0
        out[-1].append(entry)
        used += size
    return out
