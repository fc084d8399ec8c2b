"""Chart builders: a DataFrame from the engine in, a styled plotly figure out.

Every chart says what it shows in its title, labels its axes with units and
shows exact numbers on hover. No Streamlit here, so figures can also be saved
as images (board pack, browser-test artifacts).

Plotly reads a subset of HTML in every text it draws (``<a href>``, ``<b>``, ``<br>``,
``<span style>``): a program, an event type or a person's name from a file is data, so
every builder is :func:`text_labels`: the data's texts in its figure are shown as
written (docs/security.md, "Data is shown as text").
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, ParamSpec

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engage_metrics.config import RUNG_NAMES, TIERS
from engage_metrics.theme import (
    INK,
    MUTED,
    QUADRANT_COLORS,
    RUNG_COLORS,
    RUNG_LABELS,
    SEQUENTIAL,
    SERIES,
    STATUS_COLORS,
    TIER_COLORS,
    program_colors,
    style,
)

MONTH = "%b %Y"
P = ParamSpec("P")
# what plotly would read as markup (& starts an entity), and bidirectional embeddings,
# overrides and isolates (stripped, as engage_ui.text does on the page)
_MARKUP = re.compile("[&<>\u202a-\u202e\u2066-\u2069]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# the trace properties that carry the data's texts (the builders' hover templates, titles
# and tick texts are Engage's own markup and stay as they are)
_TEXT_PROPERTIES = ("x", "y", "text", "labels", "name", "meta", "customdata")


def label(value: Any) -> Any:
    """A text from the data as plotly shows it as written: & < > as entities (plotly turns
    them back into the characters), no bidirectional controls. Other values unchanged."""
    if not isinstance(value, str):
        return value
    return _MARKUP.sub(lambda m: _ENTITIES.get(m.group(0), ""), value)


def _marked_up(values: Any) -> bool:
    """Whether *values* (a trace property: a value, a list, an array, nested) has a text
    that :func:`label` changes."""
    if isinstance(values, str):
        return _MARKUP.search(values) is not None
    if isinstance(values, np.ndarray) and values.dtype.kind != "O":
        return False
    if isinstance(values, (list, tuple, np.ndarray)):
        return any(_marked_up(v) for v in values)
    return False


def _labels(values: Any) -> Any:
    if isinstance(values, (list, tuple, np.ndarray)):
        return [_labels(v) for v in values]
    return label(values)


def text_labels(build: Callable[P, go.Figure]) -> Callable[P, go.Figure]:
    """A chart builder whose figures show the data's texts as text: :func:`label` on the
    texts of every trace's data (categories, point texts, trace names, hover data, Sankey
    labels)."""
    @functools.wraps(build)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> go.Figure:
        fig = build(*args, **kwargs)
        for trace in fig.data:
            for prop in _TEXT_PROPERTIES:
                if prop in trace and _marked_up(trace[prop]):
                    trace[prop] = _labels(trace[prop])
            if trace.type == "sankey" and _marked_up(trace.node.label):
                trace.node.label = _labels(trace.node.label)
        return fig
    setattr(wrapper, "text_labels", True)     # noqa: B010 - checked by tests/test_render_text.py
    return wrapper


@text_labels
def people_over_time(df: pd.DataFrame, title: str = "Active people per month",
                     split: bool = True) -> go.Figure:
    """Monthly active people; with *split*, stacked new + returning bars."""
    fig = go.Figure()
    if split:
        for col in ("returning", "new"):
            fig.add_bar(x=df["month"], y=df[col], name=col.capitalize(),
                        marker_color=SERIES[col],
                        hovertemplate=(f"%{{x|{MONTH}}}<br>{col.capitalize()}: "
                                       "%{y:,}<extra></extra>"))
    fig.add_scatter(x=df["month"], y=df["active"], name="Active", mode="lines+markers",
                    line=dict(color=SERIES["active"], width=3),
                    hovertemplate=f"%{{x|{MONTH}}}<br>Active: %{{y:,}} people<extra></extra>")
    fig.update_layout(barmode="stack")
    fig.update_xaxes(tickformat=MONTH)
    return style(fig, title, "Month", "People (count)")


@text_labels
def bar(df: pd.DataFrame, x: str, y: str, title: str, x_title: str, y_title: str,
        color: str | list[str] = SERIES["active"], hover: str = "%{y:,}",
        horizontal: bool = False, text: list[str] | None = None) -> go.Figure:
    """A plain bar chart (horizontal: categories on the y axis)."""
    kw = dict(x=df[y], y=df[x], orientation="h") if horizontal else dict(x=df[x], y=df[y])
    label = "%{y}" if horizontal else "%{x}"
    fig = go.Figure(go.Bar(**kw, marker_color=color, text=text, textposition="auto",
                           hovertemplate=f"{label}<br>{hover}<extra></extra>"))
    if horizontal:
        fig.update_yaxes(autorange="reversed")
        return style(fig, title, y_title, x_title, height=max(320, 34 * len(df) + 120))
    return style(fig, title, x_title, y_title)


@text_labels
def cohort_heatmap(df: pd.DataFrame) -> go.Figure:
    """Share of each monthly cohort attending k months later."""
    grid = df.pivot(index="cohort", columns="k", values="rate").sort_index()
    sizes = df.groupby("cohort")["cohort_size"].first().reindex(grid.index)
    labels = [f"{pd.Timestamp(c):%b %Y} ({int(n):,})"
              for c, n in zip(grid.index, sizes, strict=True)]
    text = grid.map(lambda v: "" if pd.isna(v) else f"{v * 100:.0f}%")
    fig = go.Figure(go.Heatmap(
        z=grid.to_numpy() * 100, x=[f"+{k}" for k in grid.columns], y=labels, zmin=0, zmax=100,
        colorscale=SEQUENTIAL, text=text.to_numpy(), texttemplate="%{text}",
        colorbar=dict(title="% of cohort"),
        hovertemplate="Cohort %{y}<br>Month %{x}: %{z:.1f} % attended<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    return style(fig, "Cohort retention: share of each month's newcomers who came back",
                 "Months after the first attendance", "Cohort (first month, size)",
                 height=max(420, 30 * len(labels) + 140))


@text_labels
def line(df: pd.DataFrame, x: str, y: str, title: str, x_title: str, y_title: str,
         color: str = SERIES["active"], hover: str = "%{y:,}", percent: bool = False,
         markers: bool = True) -> go.Figure:
    values = df[y] * 100 if percent else df[y]
    fig = go.Figure(go.Scatter(x=df[x], y=values, mode="lines+markers" if markers else "lines",
                               line=dict(color=color, width=3),
                               hovertemplate=f"%{{x|{MONTH}}}<br>{hover}<extra></extra>"))
    fig.update_xaxes(tickformat=MONTH)
    if percent:
        fig.update_yaxes(rangemode="tozero", ticksuffix=" %")
    return style(fig, title, x_title, y_title)


@text_labels
def pyramid(funnel: pd.DataFrame) -> go.Figure:
    """People whose rung is r now (reached r minus reached r+1), Leading on top."""
    reached = funnel.set_index("rung")["reached"]
    at = {r: int(reached.get(r, 0) - reached.get(r + 1, 0)) for r in RUNG_NAMES}
    rungs = list(RUNG_NAMES)[::-1]
    fig = go.Figure(go.Funnel(
        y=[RUNG_LABELS[r] for r in rungs], x=[at[r] for r in rungs],
        marker=dict(color=[RUNG_COLORS[r] for r in rungs]), textinfo="value",
        connector=dict(visible=False),
        hovertemplate="%{y}: %{x:,} people<extra></extra>"))
    return style(fig, "Engagement pyramid: people at each rung now", "People (count)", "Rung")


@text_labels
def ladder_funnel(funnel: pd.DataFrame, details: bool = True) -> go.Figure:
    """People who reached each rung (the bars' labels), with the conversion to the next rung
    and the median days to get there under each rung's name when *details* (the board
    pack writes its own, suppressed, labels instead)."""
    names = [RUNG_LABELS[int(r)] for r in funnel["rung"]]
    ticks = names
    if details:
        ticks = []
        for name, (_, r) in zip(names, funnel.iterrows(), strict=True):
            parts = ([] if pd.isna(r["conversion"]) else [f"{r['conversion'] * 100:.0f}% go on"])
            parts += [] if pd.isna(r["median_days"]) else [f"median {r['median_days']:.0f} days"]
            ticks.append(f"{name}<br><span style='font-size:11px;color:{MUTED}'>"
                         f"{' · '.join(parts)}</span>" if parts else name)
    fig = go.Figure(go.Bar(
        y=names, x=funnel["reached"], orientation="h",
        marker_color=[RUNG_COLORS[int(r)] for r in funnel["rung"]],
        text=[f"{int(n):,}" for n in funnel["reached"]], textposition="auto",
        customdata=np.stack([funnel["conversion"].fillna(-1) * 100,
                             funnel["median_days"].fillna(-1)], axis=1),
        hovertemplate=("%{y}<br>Reached: %{x:,} people<br>Conversion to next rung: "
                       "%{customdata[0]:.1f} %<br>Median days from first participation: "
                       "%{customdata[1]:.0f}<extra></extra>")))
    fig.update_yaxes(autorange="reversed", tickmode="array", tickvals=names, ticktext=ticks)
    return style(fig, "Ladder funnel: who reached each rung",
                 "People who reached the rung (count)", "Rung")


@text_labels
def sankey(flows: pd.DataFrame, a_label: str, b_label: str) -> go.Figure:
    """Rung flows between two periods, with New, Back after a break and Lapsed ends."""
    def name(node: str) -> str:
        if node.startswith("Rung "):
            rung = int(node.split()[1])
            side = a_label if node.endswith("(A)") else b_label
            return f"{RUNG_LABELS[rung]} ({side})"
        return {"New": f"New in {b_label}", "Back": f"Back after a break in {b_label}",
                "Lapsed": f"Not seen in {b_label}"}.get(node, node)

    def color(node: str) -> str:
        if node.startswith("Rung "):
            return RUNG_COLORS[int(node.split()[1])]
        return {"New": SERIES["new"], "Back": SERIES["back"]}.get(node, SERIES["lapsed"])

    # the rungs of A first, then the people who came in: new, then back after a break
    sources = sorted(flows["source"].unique(), key=lambda s: (s == "Back", s == "New", s))
    targets = sorted(flows["target"].unique(), key=lambda s: (s == "Lapsed", s))
    nodes = [*sources, *targets]
    index = {("s", n): i for i, n in enumerate(sources)}
    index.update({("t", n): len(sources) + i for i, n in enumerate(targets)})
    fig = go.Figure(go.Sankey(
        arrangement="snap",
        node=dict(label=[name(n) for n in nodes], color=[color(n) for n in nodes], pad=18,
                  hovertemplate="%{label}: %{value:,} people<extra></extra>"),
        link=dict(source=[index[("s", s)] for s in flows["source"]],
                  target=[index[("t", t)] for t in flows["target"]],
                  value=flows["people"],
                  color=["rgba(120,130,140,0.25)"] * len(flows),
                  hovertemplate=("%{source.label} → %{target.label}: %{value:,} "
                                 "people<extra></extra>"))))
    return style(fig, f"Rung flows: where people of {a_label} were in {b_label}", height=520)


@text_labels
def ask_heatmap(df: pd.DataFrame) -> go.Figure:
    """Acceptance rate by ask rung × depth tier at the ask."""
    grid = df.pivot(index="rung", columns="tier", values="rate").reindex(columns=list(TIERS))
    asks = df.pivot(index="rung", columns="tier", values="asks").reindex(columns=list(TIERS))
    text = grid.map(lambda v: "" if pd.isna(v) else f"{v * 100:.0f}%")
    fig = go.Figure(go.Heatmap(
        z=grid.to_numpy() * 100, x=list(TIERS), y=[RUNG_LABELS[int(r)] for r in grid.index],
        zmin=0, zmax=100, colorscale=SEQUENTIAL, text=text.to_numpy(), texttemplate="%{text}",
        customdata=asks.fillna(0).to_numpy(), colorbar=dict(title="% accepted"),
        hovertemplate=("Ask at %{y}, depth tier %{x}<br>Accepted: %{z:.1f} % of "
                       "%{customdata:,} asks<extra></extra>")))
    return style(fig, "Ask acceptance by ask rung and relationship depth (the bigger the "
                      "relationship, the bigger the tasks)",
                 "Relationship depth tier at the time of the ask", "Rung asked for")


@text_labels
def ask_stretch(df: pd.DataFrame) -> go.Figure:
    fig = go.Figure(go.Bar(
        x=df["stretch"], y=df["rate"] * 100, marker_color=SERIES["rate"],
        customdata=np.stack([df["asks"], df["yes"]], axis=1),
        text=[f"{v * 100:.0f}%" for v in df["rate"]], textposition="outside",
        hovertemplate=("Stretch %{x:+d} rungs<br>Accepted: %{y:.1f} % (%{customdata[1]:,} of "
                       "%{customdata[0]:,} asks)<extra></extra>")))
    fig.update_xaxes(dtick=1)
    fig.update_yaxes(range=[0, 105], ticksuffix=" %")
    return style(fig, "Acceptance against stretch: bigger asks than the person's rung are "
                      "accepted less", "Stretch (rung asked − person's rung)",
                 "Asks accepted (%)")


@text_labels
def depth_histogram(df: pd.DataFrame, tier_bounds: dict[str, float]) -> go.Figure:
    """Active people by 10-point depth band, each band coloured by its tier."""
    def tier_of(low: float) -> str:
        return [t for t in TIERS if low >= tier_bounds[t]][-1]

    tiers = [tier_of(v) for v in df["low"]]
    fig = go.Figure(go.Bar(
        x=[f"{int(lo)}–{int(hi)}" for lo, hi in zip(df["low"], df["high"], strict=True)],
        y=df["people"],
        marker_color=[TIER_COLORS[t] for t in tiers], customdata=tiers,
        hovertemplate="Depth %{x} (%{customdata})<br>%{y:,} people<extra></extra>"))
    return style(fig, "Relationship depth of the period's active people",
                 "Depth at the period's end (0–100 points)", "People (count)")


@text_labels
def tiers_bar(df: pd.DataFrame) -> go.Figure:
    total = df["people"].sum() or 1
    fig = go.Figure(go.Bar(
        x=df["tier"], y=df["people"], marker_color=[TIER_COLORS[t] for t in df["tier"]],
        text=[f"{n:,} ({n / total * 100:.0f}%)" for n in df["people"]], textposition="auto",
        hovertemplate="%{x}: %{y:,} people<extra></extra>"))
    return style(fig, "Depth tiers of the period's active people", "Depth tier", "People (count)")


@text_labels
def depth_parts(df: pd.DataFrame) -> go.Figure:
    fig = go.Figure(go.Bar(
        x=df["part"].str.capitalize(), y=df["points"], marker_color=SERIES["depth"],
        customdata=np.stack([df["mean"].fillna(0), df["weight"]], axis=1),
        text=[f"{p:.1f}" for p in df["points"].fillna(0)], textposition="auto",
        hovertemplate=("%{x}: %{y:.1f} points of mean depth<br>mean part %{customdata[0]:.2f} "
                       "(0–1) × weight %{customdata[1]:.2f} × 100<extra></extra>")))
    return style(fig, "What mean depth is made of: the six parts (points add up to mean depth)",
                 "Part of the depth score", "Points of mean depth (0–100 scale)")


@text_labels
def depth_over_time(df: pd.DataFrame) -> go.Figure:
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    for tier in TIERS:
        fig.add_bar(x=df["month"], y=df[tier], name=tier, marker_color=TIER_COLORS[tier],
                    hovertemplate=f"%{{x|{MONTH}}}<br>{tier}: %{{y:,}} people<extra></extra>",
                    secondary_y=False)
    fig.add_scatter(x=df["month"], y=df["mean_depth"], name="Mean depth", mode="lines+markers",
                    line=dict(color=SERIES["rate"], width=3), secondary_y=True,
                    hovertemplate=f"%{{x|{MONTH}}}<br>Mean depth: %{{y:.1f}}<extra></extra>")
    fig.update_layout(barmode="stack")
    fig.update_xaxes(tickformat=MONTH)
    fig.update_yaxes(title_text="Active people by tier (count)", secondary_y=False)
    fig.update_yaxes(title_text="Mean depth (0–100)", range=[0, 100], secondary_y=True,
                     showgrid=False)
    return style(fig, "Depth over time: active people by tier and mean depth at each month's end",
                 "Month")


def spring_layout(nodes: list, edges: list[tuple], weights: list[float], seed: int = 3,
                  steps: int = 200) -> dict:
    """Fruchterman–Reingold positions in [-1, 1]² (deterministic)."""
    n = len(nodes)
    if n == 0:
        return {}
    rng = np.random.default_rng(seed)
    pos = rng.uniform(-1, 1, size=(n, 2))
    index = {v: i for i, v in enumerate(nodes)}
    src = np.array([index[a] for a, _ in edges], dtype=int)
    dst = np.array([index[b] for _, b in edges], dtype=int)
    w = np.asarray(weights, dtype=float)
    w = w / w.max() if len(w) else w
    k = 1.0 / np.sqrt(n)
    temp = 0.1
    for _ in range(steps):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.maximum(np.linalg.norm(delta, axis=2), 1e-3)
        disp = (delta / dist[..., None] * (k * k / dist)[..., None]).sum(axis=1)
        if len(src):
            d = pos[src] - pos[dst]
            dl = np.maximum(np.linalg.norm(d, axis=1), 1e-3)
            f = d / dl[:, None] * (dl * dl / k * (0.5 + w))[:, None]
            np.add.at(disp, src, -f)
            np.add.at(disp, dst, f)
        length = np.maximum(np.linalg.norm(disp, axis=1), 1e-9)
        pos += disp / length[:, None] * np.minimum(length, temp)[:, None]
        pos -= pos.mean(axis=0)
        temp *= 0.98
    pos /= max(np.abs(pos).max(), 1e-9)
    return {v: pos[i] for v, i in index.items()}


@text_labels
def network(edges: pd.DataFrame, labels: dict[int, str]) -> go.Figure:
    """Co-participation network of the connectors; node size = ties."""
    ties = pd.concat([edges[["person_a", "ties_a"]].set_axis(["person", "ties"], axis=1),
                      edges[["person_b", "ties_b"]].set_axis(["person", "ties"], axis=1)]
                     ).drop_duplicates("person").set_index("person")["ties"]
    nodes = list(ties.index)
    pos = spring_layout(nodes, list(zip(edges["person_a"], edges["person_b"], strict=True)),
                        list(edges["shared"]))
    ex, ey = [], []
    for a, b in zip(edges["person_a"], edges["person_b"], strict=True):
        ex += [pos[a][0], pos[b][0], None]
        ey += [pos[a][1], pos[b][1], None]
    fig = go.Figure()
    fig.add_scatter(x=ex, y=ey, mode="lines", line=dict(color="rgba(90,100,110,0.25)", width=1),
                    hoverinfo="skip", showlegend=False)
    size = ties.reindex(nodes).to_numpy(dtype=float)
    fig.add_scatter(
        x=[pos[v][0] for v in nodes], y=[pos[v][1] for v in nodes], mode="markers+text",
        text=[labels.get(v, str(v)) for v in nodes], textposition="top center",
        textfont=dict(size=12),
        marker=dict(size=10 + 30 * size / max(size.max(), 1), color=SERIES["charge"],
                    line=dict(color="white", width=1)),
        customdata=size, showlegend=False,
        hovertemplate="%{text}<br>Ties: %{customdata:,} people met at 2+ events<extra></extra>")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return style(fig, "Connectors: who brings people together (ties = people met at 2+ of the "
                      "same events)", height=620)


@text_labels
def spectrum(points: pd.DataFrame, trajectory: pd.DataFrame | None = None,
             height: int = 560) -> go.Figure:
    """Task share (x) × relationship strength (y), quadrants split at 0.5."""
    fig = go.Figure()
    quads = {"All task (transactional)": (0.5, 1, 0, 0.5), "All relationship": (0, 0.5, 0.5, 1),
             "Engaged (balanced)": (0.5, 1, 0.5, 1), "Dormant": (0, 0.5, 0, 0.5)}
    for name, (x0, x1, y0, y1) in quads.items():
        fig.add_shape(type="rect", x0=x0, x1=x1, y0=y0, y1=y1, line_width=0, layer="below",
                      fillcolor=QUADRANT_COLORS[name], opacity=0.10)
        top = y0 >= 0.5
        fig.add_annotation(x=(x0 + x1) / 2, y=y1 - 0.04 if top else y0 + 0.04,
                           text=f"<b>{name}</b>", showarrow=False,
                           font=dict(color=QUADRANT_COLORS[name], size=15))
    colors = program_colors([p for p in points["program"] if p != "Organization"])
    if trajectory is not None and not trajectory.empty:
        for program, t in trajectory.dropna(subset=["task_share", "relationship_strength"]
                                            ).groupby("program", sort=False):
            if program not in set(points["program"]):
                continue
            fig.add_scatter(x=t["task_share"], y=t["relationship_strength"], mode="lines+markers",
                            line=dict(color=colors.get(program), width=1.5, dash="dot"),
                            marker=dict(size=6, color=colors.get(program)), opacity=0.7,
                            name=f"{program} (trail)", showlegend=False, text=t["quarter"],
                            meta=program,       # in the template as data, not as markup
                            hovertemplate=("%{meta}, %{text}<br>Task share %{x:.1%}<br>"
                                           "Relationship strength %{y:.2f}<extra></extra>"))
    pts = points.dropna(subset=["task_share", "relationship_strength"])
    for _, r in pts.iterrows():
        org = r["program"] == "Organization"
        fig.add_scatter(
            x=[r["task_share"]], y=[r["relationship_strength"]], mode="markers+text",
            name=r["program"], text=[r["program"]], textposition="top center", showlegend=False,
            cliponaxis=False,
            marker=dict(size=22 if org else 15, color=colors.get(r["program"]),
                        symbol="star" if org else "circle", line=dict(color="white", width=1.5)),
            customdata=[[r.get("attended", 0), r.get("quadrant") or ""]],
            hovertemplate=("<b>%{text}</b><br>Task share %{x:.1%}<br>Relationship strength "
                           "%{y:.2f}<br>%{customdata[0]:,} attended participations<br>"
                           "%{customdata[1]}<extra></extra>"))
    fig.add_hline(y=0.5, line=dict(color="#555", width=1, dash="dash"))
    fig.add_vline(x=0.5, line=dict(color="#555", width=1, dash="dash"))
    fig.update_xaxes(range=[-0.03, 1.03], tickformat=".0%")
    fig.update_yaxes(range=[-0.03, 1.03])
    return style(fig, "Spectrum: the organization (★) and each program",
                 "Task share (% of participations that are tasks)",
                 "Relationship strength (mean depth ÷ 100)", height=height)


@text_labels
def battery(df: pd.DataFrame) -> go.Figure:
    """Monthly charge (relational touches) vs discharge (task work) with the level line."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_bar(x=df["month"], y=df["charge"], name="Charge: relational touches",
                marker_color=SERIES["charge"], secondary_y=False,
                hovertemplate=f"%{{x|{MONTH}}}<br>Charge: %{{y:,.1f}} touches<extra></extra>")
    fig.add_bar(x=df["month"], y=-df["discharge"], name="Discharge: task-weighted participations",
                marker_color=SERIES["discharge"], secondary_y=False, customdata=df["discharge"],
                hovertemplate=(f"%{{x|{MONTH}}}<br>Discharge: %{{customdata:,.1f}} task-weighted "
                               "participations<extra></extra>"))
    fig.add_scatter(x=df["month"], y=df["level"], name="Level: relationship strength",
                    mode="lines+markers", line=dict(color=SERIES["level"], width=3),
                    secondary_y=True,
                    hovertemplate=f"%{{x|{MONTH}}}<br>Level: %{{y:.2f}}<extra></extra>")
    fig.update_layout(barmode="relative")
    fig.update_xaxes(tickformat=MONTH)
    fig.update_yaxes(title_text="Charge (up) and discharge (down), weighted participations",
                     secondary_y=False)
    fig.update_yaxes(title_text="Level (relationship strength, 0–1)", range=[0, 1],
                     secondary_y=True, showgrid=False)
    return style(fig, "The relationship battery: monthly charge vs discharge and the level",
                 "Month", height=480)


@text_labels
def targets(df: pd.DataFrame) -> go.Figure:
    """Each target's progress (its value as a % of the target) as a bar coloured by its
    status, the value the pace of the last three months would reach by the due date (◆), and
    the target itself at 100 %. Bars are drawn up to 200 %; the text says the real value."""
    share = df["share"].astype(float) * 100
    projected = df["projected"].astype(float) * 100
    fig = go.Figure()
    fig.add_trace(go.Bar(
        y=df["name"], x=share.clip(0, 200), orientation="h", name="Progress now",
        marker_color=[STATUS_COLORS.get(s, MUTED) for s in df["status"]], opacity=0.7,
        customdata=np.stack([share.fillna(-1), df["text"]], axis=1),
        hovertemplate="%{y}<br>%{customdata[1]}<br>%{customdata[0]:.0f} % of the "
                      "target<extra></extra>"))
    fig.add_trace(go.Scatter(      # the words on each bar, from its start: seen at 0 % too
        y=df["name"], x=[0] * len(df), mode="text", text="  " + df["text"], showlegend=False,
        textposition="middle right", textfont=dict(color=INK, size=15), hoverinfo="skip"))
    fig.add_trace(go.Scatter(
        y=df["name"], x=projected.clip(0, 200), mode="markers", name="By the due date at the "
        "pace of the last three months", marker=dict(symbol="diamond", size=14, color=INK),
        hovertemplate="%{y}<br>At the recent pace: %{x:.0f} % of the target by the due "
                      "date<extra></extra>"))
    fig.add_vline(x=100, line_dash="dash", line_color=INK, annotation_text="target",
                  annotation_position="top")
    fig.update_yaxes(autorange="reversed")
    highest = pd.concat([share, projected]).clip(0, 200).max()
    fig.update_xaxes(range=[0, max(110.0, 0 if pd.isna(highest) else float(highest) + 10)],
                     ticksuffix=" %")
    return style(fig, "Targets: progress now, and where the recent pace leads by the due date",
                 "Share of the target reached (%)", None, height=max(300, 120 + 70 * len(df)))


@text_labels
def calibration(df: pd.DataFrame, title: str) -> go.Figure:
    """A backtest's calibration: the chance predicted against the share it came true, for the
    model (by tenths of its chance) and for the base rate it is compared with; points on the
    dotted diagonal are perfectly calibrated, and a point's size is its number of rows."""
    fig = go.Figure(go.Scatter(x=[0, 100], y=[0, 100], mode="lines", hoverinfo="skip",
                               line=dict(color=MUTED, dash="dot"), name="perfectly calibrated"))
    colors = (SERIES["rate"], SERIES["returning"])
    for i, source in enumerate(dict.fromkeys(df["source"])):
        part = df[df["source"] == source]
        rows = part["rows"].astype(float).to_numpy()
        fig.add_trace(go.Scatter(
            x=part["predicted"].astype(float) * 100, y=part["observed"].astype(float) * 100,
            mode="lines+markers" if i == 0 else "markers", name=source,
            marker=dict(color=colors[i % 2], size=6 + 18 * np.sqrt(rows / max(rows.max(), 1))),
            line=dict(color=colors[i % 2]), customdata=rows, meta=source,
            hovertemplate=("%{meta}: predicted %{x:.0f} %, came true %{y:.0f} % "
                           "(%{customdata:,} rows)<extra></extra>")))
    fig.update_xaxes(range=[-2, 102], ticksuffix=" %")
    fig.update_yaxes(range=[-2, 102], ticksuffix=" %")
    # inside the plot, top left: a calibrated model leaves that corner empty
    fig.update_layout(legend=dict(x=0.01, y=0.99, xanchor="left", yanchor="top",
                                  bgcolor="rgba(255,255,255,0.8)"))
    return style(fig, title, "Predicted chance (%)", "Share that came true (%)")
