"""One plotly template and one colour for each thing, on every chart and document.

A rung, a depth tier, a quadrant or a mode always has the same colour, so a
board member who learned "orange = Owning" on one chart reads it on the next.
Large fonts and strong contrast keep the charts readable on a projector.
"""
from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

from engage_metrics.config import RUNG_NAMES, TIERS

FONT = "Source Sans Pro, Helvetica, Arial, sans-serif"
INK = "#1f2933"
GRID = "#d9dee3"
MUTED = "#5f6b7a"          # secondary text inside charts (readable on white)

# the five rungs, from light to strong (Following .. Leading)
RUNG_COLORS = {1: "#9fb3c8", 2: "#4c9be8", 3: "#2a9d8f", 4: "#f4a261", 5: "#c0392b"}
RUNG_LABELS = {r: f"{r} {name}" for r, name in RUNG_NAMES.items()}
TIER_COLORS = dict(zip(TIERS, ("#c6dbef", "#9ecae1", "#4292c6", "#2171b5", "#08306b"),
                       strict=True))
QUADRANT_COLORS = {
    "All task (transactional)": "#e76f51",
    "All relationship": "#8e6bbf",
    "Engaged (balanced)": "#2a9d8f",
    "Dormant": "#8d99ae",
}
MODE_COLORS = {"task": "#e76f51", "relationship": "#8e6bbf", "mixed": "#e9c46a"}
# series that appear on several pages
SERIES = {
    "active": "#264653", "new": "#4c9be8", "returning": "#2a9d8f", "lapsed": "#8d99ae",
    "back": "#6d597a",
    "charge": "#8e6bbf", "discharge": "#e76f51", "level": "#264653", "depth": "#2171b5",
    "rate": "#c0392b", "previous": "#b0b8c1", "organization": "#111111",
}
# a target's status (engage_metrics.targets): good, bad, not judged
STATUS_COLORS = {"on track": "#2a9d8f", "met": "#2a9d8f", "behind": "#e76f51",
                 "missed": "#e76f51", "not started": "#b0b8c1", "cannot be computed": "#b0b8c1"}
SEQUENTIAL = [[0, "#f7fbff"], [0.5, "#6baed6"], [1, "#08306b"]]
PROGRAM_PALETTE = ("#e76f51", "#2a9d8f", "#8e6bbf", "#e9c46a", "#4c9be8", "#f4a261", "#6d597a",
                   "#43aa8b", "#b56576", "#577590")
# the board pack's PDF and PowerPoint (RGB): text, secondary text, the title page's band
DOCUMENT_INK, DOCUMENT_MUTED, DOCUMENT_ACCENT = (31, 41, 51), (96, 108, 118), (38, 70, 83)

TEMPLATE = go.layout.Template(
    layout=go.Layout(
        font=dict(family=FONT, size=16, color=INK),
        title=dict(font=dict(size=20), x=0, xanchor="left", y=0.97),
        paper_bgcolor="white",
        plot_bgcolor="white",
        colorway=list(PROGRAM_PALETTE),
        margin=dict(l=70, r=30, t=70, b=60),
        xaxis=dict(gridcolor=GRID, linecolor=INK, ticks="outside", title=dict(standoff=8),
                   automargin=True),
        yaxis=dict(gridcolor=GRID, linecolor=INK, zeroline=False, title=dict(standoff=8),
                   automargin=True),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1,
                    font=dict(size=14)),
        hoverlabel=dict(font=dict(size=15, family=FONT)),
        hovermode="closest",
    )
)
pio.templates["engage"] = TEMPLATE


def program_colors(programs: list[str]) -> dict[str, str]:
    """A stable colour per program (alphabetical order), the organization in black."""
    colors = {p: PROGRAM_PALETTE[i % len(PROGRAM_PALETTE)] for i, p in enumerate(sorted(programs))}
    colors["Organization"] = SERIES["organization"]
    return colors


def style(fig: go.Figure, title: str, x: str | None = None, y: str | None = None,
          height: int = 420) -> go.Figure:
    """Apply the template, the title (what the chart shows) and the axis titles (with units)."""
    fig.update_layout(template=TEMPLATE, title=dict(text=title), height=height)
    if x is not None:
        fig.update_xaxes(title_text=x)
    if y is not None:
        fig.update_yaxes(title_text=y)
    return fig
