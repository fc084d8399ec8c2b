"""The board pack: one window of engagement as a PDF, a 16:9 PowerPoint and chart PNGs.

Executive directors present engagement to boards and funders; the pack gives them
the headline numbers with the change since the previous period, the plain-language
narrative, the charts and the definitions, with no personal data at all:

- nothing person-level is queried for it (no names, contacts, ids or lists), and
- every count of 1 to 4 people, and every rate or average over fewer than 5 people,
  is shown as "< 5" (small-cell suppression), in tables, chart labels and prose.

The pieces, each importing only pieces listed before it:

- ``labels``: long program and organization names shortened alike everywhere in the pack;
- ``numbers``: the headline numbers of the window and the previous period, computed once,
  and how their change is written;
- ``suppression``: "< 5" for small counts and small bases, and the narrative with nothing
  said about fewer than 5 people;
- ``sections``: which sections the pack contains, in order; one list of :class:`Section`
  that the PDF, the PowerPoint and the dashboard's presentation view all render;
- ``images``: chart PNGs by kaleido, with one Chromium for the whole pack;
- ``pdf`` (fpdf2) and ``slides`` (python-pptx): the two documents;
- ``pack``: :func:`build_pack` assembles them, :func:`write_pack` saves them; one format
  failing loses none of the others (the failures are named in ``BoardPack.failures``).
"""
from engage_metrics.boardpack.images import PNG_SCALE, ChartsUnavailable
from engage_metrics.boardpack.labels import LABEL_CHARS, short_label, short_labels
from engage_metrics.boardpack.numbers import KPIS
from engage_metrics.boardpack.pack import FORMATS, BoardPack, build_pack, write_pack
from engage_metrics.boardpack.pdf import render_pdf
from engage_metrics.boardpack.sections import Deck, Section, build_sections
from engage_metrics.boardpack.slides import render_pptx
from engage_metrics.boardpack.suppression import (
    HIDDEN,
    SUPPRESSED,
    count_text,
    narrate_privately,
    value_text,
)
from engage_metrics.periods import fiscal_label, fiscal_year, period_text

__all__ = [
    "FORMATS", "HIDDEN", "KPIS", "LABEL_CHARS", "PNG_SCALE", "SUPPRESSED", "BoardPack",
    "ChartsUnavailable",
    "Deck", "Section", "build_pack", "build_sections", "count_text", "fiscal_label", "fiscal_year",
    "narrate_privately", "period_text", "render_pdf", "render_pptx", "short_label",
    "short_labels", "value_text", "write_pack",
]
