"""The pack as a 16:9 PDF (fpdf2): one page per section, the chart beside its table, the
suppression note in every footer."""
from __future__ import annotations

import io
from collections.abc import Sequence

from engage_metrics.boardpack.labels import FOOTER_ORG_CHARS, short_label
from engage_metrics.boardpack.sections import Section
from engage_metrics.boardpack.suppression import SUPPRESSION_NOTE
from engage_metrics.config import PROJECT_ROOT
from engage_metrics.theme import DOCUMENT_ACCENT as ACCENT
from engage_metrics.theme import DOCUMENT_INK as INK
from engage_metrics.theme import DOCUMENT_MUTED as MUTED

FONTS_DIR = PROJECT_ROOT / "data" / "fonts"
PAGE_W, PAGE_H = 338.667, 190.5      # mm: 13.333 × 7.5 in, 16:9
MARGIN = 14.0
HEAD_FILL, ROW_FILL = (222, 230, 236), (245, 247, 249)
PDF_FONT = "DejaVu"


def render_pdf(sections: Sequence[Section], org_name: str, period: str) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    footer_org = short_label(org_name, FOOTER_ORG_CHARS)

    class Pdf(FPDF):
        def footer(self) -> None:
            if self.page_no() == 1:
                return
            self.set_y(-10)
            self.set_font(PDF_FONT, size=8)
            self.set_text_color(*MUTED)
            self.cell(0, 5, f"{footer_org} · {period} · {SUPPRESSION_NOTE}", align="L")
            self.set_x(-MARGIN - 20)
            self.cell(20, 5, f"{self.page_no()}", align="R")

    pdf = Pdf(orientation="L", unit="mm", format=(PAGE_H, PAGE_W))
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=14)
    pdf.add_font(PDF_FONT, "", FONTS_DIR / "DejaVuSans.ttf")
    pdf.add_font(PDF_FONT, "B", FONTS_DIR / "DejaVuSans-Bold.ttf")
    pdf.set_title(f"{org_name} — engagement board pack, {period}")
    pdf.set_creator("Engage")
    width = PAGE_W - 2 * MARGIN
    for s in sections:
        pdf.add_page()
        if s.kind == "title":
            pdf.set_fill_color(*ACCENT)
            pdf.rect(0, 0, PAGE_W, 8, style="F")
            pdf.set_fill_color(255, 255, 255)        # tables start from the current colours
            pdf.set_y(55)
            pdf.set_font(PDF_FONT, "B", 34)
            pdf.set_text_color(*INK)
            pdf.multi_cell(width, 15, s.title, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font(PDF_FONT, "", 20)
            pdf.set_text_color(*ACCENT)
            pdf.multi_cell(width, 12, s.lead, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(6)
            pdf.set_font(PDF_FONT, "", 14)
            pdf.set_text_color(*MUTED)
            for line in s.bullets:
                pdf.multi_cell(width, 8, line, new_x="LMARGIN", new_y="NEXT")
            continue
        pdf.set_font(PDF_FONT, "B", 22)
        pdf.set_text_color(*INK)
        pdf.multi_cell(width, 11, s.title, new_x="LMARGIN", new_y="NEXT")
        if s.lead:
            pdf.set_font(PDF_FONT, "", 11)
            pdf.set_text_color(*MUTED)
            pdf.multi_cell(width, 5.5, s.lead, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        top = pdf.get_y()
        bottom = PAGE_H - 14
        if s.kind == "definitions":
            for label, text in s.definitions:
                pdf.set_font(PDF_FONT, "B", 11)
                pdf.set_text_color(*INK)
                pdf.multi_cell(width, 6, label, new_x="LMARGIN", new_y="NEXT")
                pdf.set_font(PDF_FONT, "", 9)
                pdf.set_text_color(*MUTED)
                pdf.multi_cell(width, 4.6, text, new_x="LMARGIN", new_y="NEXT")
                pdf.ln(2)
            continue
        if s.png is not None:
            img_w = width if s.table is None else width * 0.62
            pdf.image(io.BytesIO(s.png), x=MARGIN, y=top, w=img_w,
                      h=bottom - top - (14 if s.bullets else 0), keep_aspect_ratio=True,
                      alt_text=s.alt)
        if s.table is not None:
            x = MARGIN if s.png is None else MARGIN + width * 0.65
            table_w = width if s.png is None else width * 0.35
            pdf.set_xy(x, top)
            pdf.set_font(PDF_FONT, "", 12 if len(s.table.rows) < 12 else 10.5)
            pdf.set_text_color(*INK)
            with pdf.table(col_widths=s.table.widths, width=table_w, align="LEFT",
                           text_align=("LEFT", *["RIGHT"] * (len(s.table.columns) - 1)),
                           headings_style=FontFace(emphasis="BOLD", fill_color=HEAD_FILL),
                           line_height=pdf.font_size * 1.9, borders_layout="HORIZONTAL_LINES",
                           cell_fill_color=ROW_FILL, cell_fill_mode="ROWS",
                           padding=1.2) as table:
                for r in (s.table.columns, *s.table.rows):
                    row = table.row()
                    for cell in r:
                        row.cell(cell)
        if s.bullets:
            if s.png is not None:
                pdf.set_y(bottom - 12)
            else:
                pdf.ln(4)
            pdf.set_font(PDF_FONT, "", 15 if s.png is None and s.table is None else 11)
            pdf.set_text_color(*INK)
            for b in s.bullets:
                pdf.set_x(MARGIN)
                pdf.multi_cell(width, pdf.font_size * 1.6, f"•  {b}", new_x="LMARGIN",
                               new_y="NEXT")
                pdf.ln(2)
    return bytes(pdf.output())
