"""The board pack: one window of engagement as a PDF, a 16:9 PowerPoint and chart PNGs.

Executive directors present engagement to boards and funders; the pack gives them
the headline numbers with the change since the previous period, the plain-language
reading, the charts and the definitions, with no personal data at all:

- nothing person-level is queried for it (no names, contacts, ids or lists), and
- every count of 1 to 4 people, and every rate or average over fewer than 5 people,
  is shown as "< 5" (small-cell suppression), in tables, chart labels and prose.

One list of :class:`Section` declares the sequence once; the PDF, the PowerPoint
and the dashboard's presentation view all render that same list. Charts come from
``engage_ui.charts`` (streamlit-free) and are turned into PNGs by kaleido, with one
Chromium for the whole pack.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import re
import threading
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import plotly.graph_objects as go

from engage_metrics import registry
from engage_metrics.config import PROJECT_ROOT, RUNG_NAMES, get_setting
from engage_metrics.metrics import Window, quarters_back, report, run, scalar
from engage_metrics.reading import num, reading
from engage_ui import charts

SMALL = 5                      # counts below this (and above 0) are suppressed
SUPPRESSED = "< 5"
SUPPRESSION_NOTE = "“< 5”: fewer than 5 people, not shown to protect their privacy."
FORMATS = ("pdf", "pptx", "png")
FONTS_DIR = PROJECT_ROOT / "data" / "fonts"
TRAJECTORY_QUARTERS = 6
Progress = Callable[[float, str], None]

# The headline table: metric id -> (room, key) of metrics.report, and the people a
# rate or average is taken over (its suppression base).
KPIS = {
    "active_people": ("participation", "active"),
    "new_people": ("participation", "new"),
    "attended_participations": ("participation", "attended"),
    "repeat_rate": ("participation", "repeat_rate"),
    "return_rate_90d": ("participation", "return_rate_90d"),
    "no_show_rate": ("participation", "no_show_rate"),
    "lapsed_count": ("participation", "lapsed"),
    "escalation_rate": ("ladder", "escalation_rate"),
    "escalated_people": ("ladder", "escalated"),
    "mean_depth": ("depth", "mean"),
    "relationship_strength": ("spectrum", "relationship_strength"),
    "task_share": ("spectrum", "task_share"),
    "total_hours": ("participation", "hours"),
}
BASES = {"return_rate_90d": "new", "escalation_rate": "eligible"}   # others: active people


# ---------------------------------------------------------------- the sections

@dataclass(frozen=True)
class Table:
    """Cells already formatted and suppressed; *widths* are relative column widths."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]


@dataclass
class Section:
    """One page of the PDF, one slide, one screen of the presentation view."""

    key: str                                  # file-safe name, also the PNG's name
    title: str
    lead: str = ""                            # what the page shows, in one or two sentences
    kind: str = "content"                     # "title" | "content" | "definitions"
    bullets: tuple[str, ...] = ()
    table: Table | None = None
    figure: go.Figure | None = None
    size: tuple[int, int] = (1600, 730)       # chart size in CSS px (PNG: × PNG_SCALE)
    alt: str = ""                             # alt text of the chart image
    metric_ids: tuple[str, ...] = ()          # whose definitions go in the notes
    definitions: tuple[tuple[str, str], ...] = ()   # (label, definition + formula)
    png: bytes | None = None


@dataclass
class BoardPack:
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


# ---------------------------------------------------------------- suppression and formats

def count_text(n: Any) -> str:
    """A count of people, with 1–4 suppressed."""
    if n is None or (isinstance(n, float) and n != n):
        return "–"
    return SUPPRESSED if 0 < n < SMALL else f"{int(n):,}"


def value_text(metric_id: str, value: Any, base: int | None) -> str:
    """A registered metric's value as the registry formats it, or "< 5" when it is a count of
    1–4 people or a rate/average over fewer than 5 people (*base*)."""
    metric = registry.get(metric_id)
    if value is not None and metric.unit == "count" and 0 < value < SMALL:
        return SUPPRESSED
    if value is not None and metric.unit != "count" and base is not None and base < SMALL:
        return SUPPRESSED
    return metric.format(value)


def change_text(now: Any, before: Any, unit: str) -> str:
    """The change since the previous period: points for rates, +n (+x %) for amounts."""
    if now is None or before is None:
        return "–"
    diff = now - before
    if unit in ("ratio", "score"):
        shown = round(diff * 100 if unit == "ratio" else diff, 1) + 0.0    # no "-0.0"
        return f"{shown:+.1f}{' pts' if unit == 'ratio' else ''}"
    rel = f" ({diff / before * 100:+.0f} %)" if before else ""
    return f"{'+' if diff >= 0 else '-'}{registry.format_value(abs(diff), unit)}{rel}"


def fmt_date(d: dt.date) -> str:
    return f"{d.day} {d:%b %Y}"


def period_text(window: Window) -> str:
    """'1 Nov 2025 – 31 Oct 2026' (the window's end is exclusive)."""
    return f"{fmt_date(window.start)} – {fmt_date(window.end - dt.timedelta(days=1))}"


def fiscal_year(day: dt.date, start_month: int) -> tuple[dt.date, dt.date]:
    """[start, end) of the fiscal year that contains *day*."""
    year = day.year if day.month >= start_month else day.year - 1
    return dt.date(year, start_month, 1), dt.date(year + 1, start_month, 1)


def fiscal_label(start: dt.date) -> str:
    """'FY 2026' for calendar fiscal years, 'FY 2025–26' otherwise."""
    if start.month == 1:
        return f"FY {start.year}"
    return f"FY {start.year}–{(start.year + 1) % 100:02d}"


def _none(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and value != value) else value


# ---------------------------------------------------------------- the numbers

@dataclass
class _Numbers:
    """Everything the sections show, computed once from the engine."""

    window: Window
    previous: Window
    now: dict[str, Any]
    before: dict[str, Any]
    programs: pd.DataFrame                    # one row per program shown, with active people
    previous_programs: pd.DataFrame
    settings: dict[str, Any]

    def base(self, metric_id: str, which: str = "now") -> int:
        return base_of(self.now if which == "now" else self.before, metric_id)


def base_of(r: dict[str, Any], metric_id: str) -> int:
    """How many people a headline rate or average of report *r* is taken over."""
    kind = BASES.get(metric_id, "active")
    if kind == "new":
        return r["participation"]["new"]
    if kind == "eligible":          # escalated = rate × eligible people
        rate, stepped = r["ladder"]["escalation_rate"], r["ladder"]["escalated"]
        return round(stepped / rate) if rate else r["participation"]["active"]
    return r["participation"]["active"]


def _scalar(con: duckdb.DuckDBPyConnection, metric_id: str, **params: Any) -> Any:
    return _none(scalar(con, metric_id, **params))


def _program_rows(con: duckdb.DuckDBPyConnection, window: Window) -> pd.DataFrame:
    """spectrum_by_program for the shown programs, with active and new people and hours."""
    rows = run(con, "spectrum_by_program", **window.params())
    rows = rows[rows["program"] != "Organization"]
    if window.programs:
        rows = rows[rows["program"].isin(window.programs)]
    rows = rows.reset_index(drop=True)
    for col, metric_id in (("active", "active_people"), ("new", "new_people"),
                           ("hours", "total_hours")):
        rows[col] = [_scalar(con, metric_id, start=window.start, end=window.end, programs=[p])
                     for p in rows["program"]]
    return rows


def _numbers(con: duckdb.DuckDBPyConnection, window: Window, step: Progress) -> _Numbers:
    previous = window.previous()
    step(0.04, "Computing the headline numbers")
    now, before = report(con, window), report(con, previous)
    step(0.14, "Computing the programs")
    programs, previous_programs = _program_rows(con, window), _program_rows(con, previous)
    settings = {k: get_setting(con, k) for k in ("hourly_value", "fiscal_year_start_month",
                                                 "org_name")}
    return _Numbers(window, previous, now, before, programs, previous_programs, settings)


# ---------------------------------------------------------------- section builders

def _kpi_section(n: _Numbers) -> Section:
    rows = []
    for metric_id, (room, key) in KPIS.items():
        metric = registry.get(metric_id)
        now, before = n.now[room][key], n.before[room][key]
        shown_now = value_text(metric_id, now, n.base(metric_id))
        shown_before = value_text(metric_id, before, n.base(metric_id, "before"))
        hidden = SUPPRESSED in (shown_now, shown_before)
        rows.append((metric.label, shown_now, shown_before,
                     "–" if hidden else change_text(now, before, metric.unit)))
    rows.append(("Quadrant on the spectrum", _quadrant_text(n.now), _quadrant_text(n.before), ""))
    return Section(
        "headline", "Headline numbers",
        f"This period: {period_text(n.window)}. Previous period: {period_text(n.previous)}.",
        table=Table(("Measure", "This period", "Previous period", "Change"), tuple(rows),
                    (3.2, 1.6, 1.6, 1.6)),
        metric_ids=tuple(KPIS))


def _quadrant_text(r: dict[str, Any]) -> str:
    quadrant = r["spectrum"]["quadrant"]
    return SUPPRESSED if quadrant and r["participation"]["active"] < SMALL else quadrant or "–"


def _reading_section(n: _Numbers) -> Section:
    return Section("reading", "What the numbers say",
                   "A plain-language reading of this period against the previous one.",
                   bullets=tuple(private_reading(n.now, n.before, n.programs,
                                                 n.previous_programs)),
                   metric_ids=("active_people", "repeat_rate", "return_rate_90d",
                               "escalation_rate", "task_share", "mean_depth"))


def _blank_small(r: dict[str, Any]) -> dict[str, Any]:
    """A copy of a report whose rates and averages over fewer than 5 people are None."""
    out = {room: dict(v) if isinstance(v, dict) else v for room, v in r.items()}
    for metric_id, (room, key) in KPIS.items():
        if registry.get(metric_id).unit != "count" and base_of(r, metric_id) < SMALL:
            out[room][key] = None
    if r["participation"]["active"] < SMALL:
        out["spectrum"]["quadrant"] = None
    return out


def private_reading(now: dict[str, Any], before: dict[str, Any], programs: pd.DataFrame,
                    previous_programs: pd.DataFrame) -> list[str]:
    """engage_metrics.reading, with nothing said about fewer than 5 people."""
    active = now["participation"]["active"]
    if not active:
        return ["Nobody attended an event in this period."]
    if active < SMALL:
        return ["Fewer than 5 people took part in this period; the numbers are not shown, to "
                "protect their privacy."]
    current, previous = _blank_small(now), _blank_small(before)
    if previous["participation"]["active"] < SMALL:
        previous["participation"]["active"] = None      # no "up from 3"
    program_cols = ["program", "attended", "task_share", "relationship_strength", "quadrant"]
    rows = programs[programs["active"] >= SMALL][program_cols].to_dict("records")
    prev_rows = previous_programs[previous_programs["active"] >= SMALL][program_cols
                                                                          ].to_dict("records")
    small = {f"{num(v)} of them for the first time": "fewer than 5 of them for the first time"
             for v in [current["participation"]["new"]] if 0 < v < SMALL}
    small |= {f"({num(v)} people)": "(fewer than 5 people)"
              for v in [current["ladder"]["escalated"]] if 0 < v < SMALL}
    out = []
    for sentence in reading(current, previous, rows, prev_rows):
        for text, hidden in small.items():
            sentence = sentence.replace(text, hidden)
        out.append(sentence)
    return out


def _people_section(con: duckdb.DuckDBPyConnection, n: _Numbers) -> Section:
    series = run(con, "series_participation", **n.window.params())
    return _chart_section(
        "people", "Who took part, month by month",
        "People with at least one attended event each month: newcomers and people who came back.",
        None if series.empty else charts.people_over_time(
            series, "Active people per month: new and returning"),
        ("series_participation",))


def _spectrum_section(con: duckdb.DuckDBPyConnection, n: _Numbers) -> Section:
    points = run(con, "spectrum_by_program", **n.window.params())
    shown = set(n.programs.loc[n.programs["active"] >= SMALL, "program"]) | {"Organization"}
    points = points[points["program"].isin(shown)]
    if n.now["participation"]["active"] < SMALL:
        points = points.iloc[0:0]
    trail = trajectory(con, n.window.end, shown)
    return _chart_section(
        "spectrum", "Where we sit: tasks and relationships",
        "Each dot is a program (★ the whole organization); dotted trails show the last "
        f"{TRAJECTORY_QUARTERS} quarters. Right = more task work (discharge); up = deeper "
        "relationships (charge).",
        None if points.empty else charts.spectrum(points, trail),
        ("spectrum_by_program", "task_share", "relationship_strength"), size=(1500, 760))


def trajectory(con: duckdb.DuckDBPyConnection, end: dt.date, shown: set[str]) -> pd.DataFrame:
    """spectrum_by_program of the last quarters, keeping only points of 5 or more people."""
    frames = []
    for q in quarters_back(end, TRAJECTORY_QUARTERS):
        df = run(con, "spectrum_by_program", **q.params())
        df = df[df["program"].isin(shown)].copy()
        df["active"] = [_scalar(con, "active_people", start=q.start, end=q.end,
                                programs=[] if p == "Organization" else [p])
                        for p in df["program"]]
        df.insert(0, "quarter", f"{q.start.year} Q{(q.start.month - 1) // 3 + 1}")
        frames.append(df[df["active"] >= SMALL])
    return pd.concat(frames, ignore_index=True)


def _battery_section(con: duckdb.DuckDBPyConnection, n: _Numbers) -> Section:
    battery = run(con, "battery", **n.window.params())
    if n.now["participation"]["active"] < SMALL:
        battery = battery.iloc[0:0]
    return _chart_section(
        "battery", "The relationship battery",
        "Relationship building charges the battery (up), asking people to do work discharges "
        "it (down); the line is the level: the relationship strength at each month's end.",
        None if battery.empty else charts.battery(battery), ("battery",))


def _ladder_section(con: duckdb.DuckDBPyConnection, n: _Numbers) -> Section:
    funnel = run(con, "ladder_funnel", **n.window.params())
    fig = None
    if not funnel.empty and funnel["reached"].sum() > 0:
        fig = charts.ladder_funnel(funnel, details=False)
        fig.data[0].text = ladder_labels(funnel)
    return _chart_section(
        "ladder", "The engagement ladder",
        "People who reached each rung by the end of the period, the share who went on to the "
        "next rung and the median days from their first participation to get there.",
        fig, ("ladder_funnel",))


def ladder_labels(funnel: pd.DataFrame) -> list[str]:
    """The funnel's bar labels; conversions and medians only between rungs of 5+ people."""
    reached = dict(zip(funnel["rung"].astype(int), funnel["reached"].astype(int), strict=True))
    labels = []
    for _, r in funnel.iterrows():
        rung, n = int(r["rung"]), int(r["reached"])
        text = count_text(n)
        if n >= SMALL and reached.get(rung + 1, SMALL) >= SMALL and pd.notna(r["conversion"]):
            text += f" · {r['conversion'] * 100:.0f}% go on"
        if n >= SMALL and pd.notna(r["median_days"]):
            text += f" · median {r['median_days']:.0f} days"
        labels.append(text)
    return labels


def _flows_section(con: duckdb.DuckDBPyConnection, n: _Numbers) -> Section:
    a, b = n.previous, n.window
    flows = run(con, "rung_flows", **b.params(), a_start=a.start, a_end=a.end)
    section = _chart_section(
        "flows", "Moving up the ladder",
        f"Where the people of the previous period ({period_text(a)}) were at the end of this "
        f"one ({period_text(b)}): their rung, new people, and people not seen this period.",
        None if flows.empty else charts.sankey(flows, "the previous period", "this period"),
        ("rung_flows",), size=(1100, 790))
    section.table = Table(("Movement", "People"), flow_summary(flows), (2.6, 1.0))
    return section


def flow_summary(flows: pd.DataFrame) -> tuple[tuple[str, str], ...]:
    """Rung flows summed into a few movements, small counts suppressed."""
    def rung(node: str) -> int | None:
        m = re.match(r"Rung (\d)", node)
        return int(m.group(1)) if m else None

    totals = {"Stepped up one rung or more": 0, "Stayed on their rung": 0,
              "New this period": 0, "Not seen this period": 0}
    edges = list(zip(flows["source"], flows["target"], flows["people"], strict=True))
    for source, target, people in edges:
        if source == "New":
            totals["New this period"] += int(people)
        elif target == "Lapsed":
            totals["Not seen this period"] += int(people)
        elif (rung(target) or 0) > (rung(source) or 0):
            totals["Stepped up one rung or more"] += int(people)
        else:
            totals["Stayed on their rung"] += int(people)
    for r in sorted(RUNG_NAMES)[1:]:
        reached = sum(int(p) for s, t, p in edges if rung(t) == r and (rung(s) or 0) < r)
        totals[f"New at or moved up to {r} {RUNG_NAMES[r]}"] = reached
    return tuple((k, count_text(v)) for k, v in totals.items())


def _cohort_section(con: duckdb.DuckDBPyConnection, n: _Numbers) -> Section:
    cohorts = run(con, "cohort_retention", **n.window.params())
    cohorts = cohorts[cohorts["cohort_size"] >= SMALL]
    return _chart_section(
        "retention", "Do newcomers come back?",
        "Each row is the people who first attended in that month; each cell the share of them "
        "who attended again k months later. Months with fewer than 5 newcomers are not shown.",
        None if cohorts.empty else charts.cohort_heatmap(cohorts), ("cohort_retention",),
        size=(1600, 760))


def _tiers_section(con: duckdb.DuckDBPyConnection, n: _Numbers) -> Section:
    tiers = run(con, "depth_tiers", **n.window.params())
    total = int(tiers["people"].sum())
    fig = None
    if total:
        fig = charts.tiers_bar(tiers)
        fig.data[0].text = [count_text(p) if p < SMALL else f"{p:,} ({p / total * 100:.0f}%)"
                            for p in tiers["people"]]
    section = _chart_section(
        "depth", "How deep are relationships?",
        "The period's active people by relationship depth (0–100) at its end: tenure, "
        "frequency, recency, breadth, ties and relational touches.",
        fig, ("depth_tiers", "depth", "mean_depth"), size=(1100, 790))
    hide_shares = total < SMALL
    section.table = Table(("Depth tier", "People", "Share"), tuple(
        (t, count_text(p), "" if hide_shares or 0 < p < SMALL else f"{p / total * 100:.0f} %")
        for t, p in zip(tiers["tier"], tiers["people"], strict=True)), (2.0, 1.2, 1.0))
    return section


def _programs_section(n: _Numbers) -> Section:
    def row(name: str, active: Any, new: Any, attended: Any, hours: Any, task: Any,
            strength: Any, quadrant: Any) -> tuple[str, ...]:
        small = active < SMALL
        hidden = lambda text: SUPPRESSED if small and text != "–" else text  # noqa: E731
        return (name, count_text(active), count_text(new), count_text(attended),
                hidden(registry.format_value(_none(hours), "hours")),
                hidden(registry.format_value(_none(task), "ratio")),
                hidden(registry.format_value(_none(strength), "ratio")),
                hidden(_none(quadrant) or "–"))

    rows = [row(r["program"], r["active"], r["new"], r["attended"], r["hours"], r["task_share"],
                r["relationship_strength"], r["quadrant"]) for _, r in n.programs.iterrows()]
    p, s = n.now["participation"], n.now["spectrum"]
    rows.append(row("Selected programs" if n.window.programs else "All programs", p["active"],
                    p["new"], p["attended"], p["hours"], s["task_share"],
                    s["relationship_strength"], s["quadrant"]))
    return Section(
        "programs", "Programs",
        f"Each program in {period_text(n.window)}. A person active in two programs counts in "
        "both, once in the total.",
        table=Table(("Program", "Active people", "New people", "Attended", "Hours",
                     "Task share", "Relationship strength", "Quadrant"), tuple(rows),
                    (2.4, 1.2, 1.2, 1.2, 1.3, 1.2, 1.6, 2.4)),
        metric_ids=("active_people", "new_people", "attended_participations", "total_hours",
                    "spectrum_by_program"))


def _hours_section(con: duckdb.DuckDBPyConnection, n: _Numbers) -> Section:
    rate = float(n.settings["hourly_value"])
    month = int(n.settings["fiscal_year_start_month"])
    fy_start, fy_end = fiscal_year(n.window.end - dt.timedelta(days=1), month)
    prev_start, _ = fiscal_year(fy_start - dt.timedelta(days=1), month)
    programs = list(n.window.programs)
    volunteers = _scalar(con, "boardpack_form990_volunteers", fy_start=fy_start, fy_end=fy_end,
                         programs=programs)
    prev_volunteers = _scalar(con, "boardpack_form990_volunteers", fy_start=prev_start,
                              fy_end=fy_start, programs=programs)
    hours, prev_hours = n.now["participation"]["hours"], n.before["participation"]["hours"]
    hide, hide_prev = n.base("total_hours") < SMALL, n.base("total_hours", "before") < SMALL
    value, prev_value = hours * rate, prev_hours * rate

    def amount(v: float, unit: str, small: bool) -> str:
        return SUPPRESSED if small else registry.format_value(v, unit)

    def delta(a: Any, b: Any, unit: str, small: bool) -> str:
        return "–" if small else change_text(a, b, unit)

    form990 = registry.get("boardpack_form990_volunteers")
    rows = (
        ("Volunteer hours", amount(hours, "hours", hide), amount(prev_hours, "hours", hide_prev),
         delta(hours, prev_hours, "hours", hide or hide_prev)),
        (f"Value of the hours at ${rate:,.2f} per hour", amount(value, "currency", hide),
         amount(prev_value, "currency", hide_prev),
         delta(value, prev_value, "currency", hide or hide_prev)),
        (f"{form990.label}: {fiscal_label(fy_start)} vs {fiscal_label(prev_start)}",
         count_text(volunteers), count_text(prev_volunteers),
         delta(volunteers, prev_volunteers, "count",
               SUPPRESSED in (count_text(volunteers), count_text(prev_volunteers)))),
    )
    through = n.window.end - dt.timedelta(days=1)
    partial = (f"; the period ends on {fmt_date(through)}, so later months are not in it"
               if through < fy_end - dt.timedelta(days=1) else "")
    return Section(
        "hours", "Volunteer hours and their value",
        "Hours of attended participations, valued at the hourly rate set on the Settings page.",
        table=Table(("Measure", "This period", "Previous period", "Change"), rows,
                    (3.4, 1.5, 1.5, 1.6)),
        bullets=(
            f"The value of an hour is ${rate:,.2f} (a setting; the default is Independent "
            "Sector's estimate of the value of a volunteer hour).",
            f"For IRS Form 990 (Part I, line 6): {count_text(volunteers)} volunteers — distinct "
            f"people who attended at least once in fiscal year {fiscal_label(fy_start)} "
            f"({fmt_date(fy_start)} – {fmt_date(fy_end - dt.timedelta(days=1))}{partial}).",
        ),
        metric_ids=("total_hours", "boardpack_form990_volunteers"))


def _chart_section(key: str, title: str, lead: str, fig: go.Figure | None,
                   metric_ids: tuple[str, ...], size: tuple[int, int] = (1600, 730)) -> Section:
    """A chart page; without data, a sentence says so instead."""
    if fig is None:
        return Section(key, title, lead, metric_ids=metric_ids,
                       bullets=("There is not enough data in this period and these programs "
                                "for this chart (groups of fewer than 5 people are not shown).",))
    fig.update_layout(hovermode=False)     # no numbers of small groups on hover either
    alt = f"Chart: {fig.layout.title.text}. {lead}"
    return Section(key, title, lead, figure=fig, size=size, alt=alt, metric_ids=metric_ids)


def _definitions_section(sections: Sequence[Section]) -> Section:
    ids = list(dict.fromkeys(m for s in sections for m in s.metric_ids))
    entries = tuple((registry.get(m).label, _definition(m)) for m in ids)
    return Section("definitions", "Definitions", "Every number in this pack, as defined in "
                   "Engage's metric registry.", kind="definitions", definitions=entries)


def _definition(metric_id: str) -> str:
    m = registry.get(metric_id)
    return f"{m.definition} Formula: {m.formula}" if m.formula else m.definition


def build_sections(con: duckdb.DuckDBPyConnection, window: Window, org_name: str | None = None,
                   today: dt.date | None = None, progress: Progress | None = None) -> list[Section]:
    """The pack's sequence for *window*, with figures but no images yet (fast: the
    presentation view uses this directly)."""
    step = progress or (lambda fraction, text: None)
    n = _numbers(con, window, step)
    org = (org_name or "").strip() or str(n.settings["org_name"])
    title = Section("title", org, "Engagement board pack", kind="title", bullets=(
        period_text(window) + (f" · {', '.join(window.programs)}" if window.programs else
                               " · all programs"),
        f"Compared with {period_text(n.previous)}",
        f"Prepared {fmt_date(today or dt.date.today())} with Engage"))
    sections = [title, _kpi_section(n), _reading_section(n)]
    builders: list[Callable[[], Section]] = [
        lambda: _people_section(con, n), lambda: _spectrum_section(con, n),
        lambda: _battery_section(con, n), lambda: _ladder_section(con, n),
        lambda: _flows_section(con, n), lambda: _cohort_section(con, n),
        lambda: _tiers_section(con, n), lambda: _programs_section(n),
        lambda: _hours_section(con, n)]
    for i, build in enumerate(builders):
        step(0.2 + 0.25 * i / len(builders), "Computing the charts")
        sections.append(build())
    sections.append(_definitions_section(sections))
    for i, s in enumerate(sections):
        s.key = f"{i:02d}_{s.key}"
    return sections


# ---------------------------------------------------------------- chart images

class ChartsUnavailable(RuntimeError):
    """No Chromium to draw the charts with."""


_KALEIDO = threading.Lock()     # one Chromium, one pack at a time in a process
PNG_SCALE = 1.5                 # 2400 px across a 31 cm page: about 200 dpi


@contextmanager
def chart_renderer() -> Iterator[Callable[[go.Figure, tuple[int, int]], bytes]]:
    """A function figure -> PNG bytes, backed by one kaleido server (one Chromium) that is
    started here and stopped on exit. Kaleido finds Chromium on PATH (Debian: chromium)
    or at $BROWSER_PATH."""
    import kaleido
    from choreographer.browsers.chromium import Chromium

    browser = Chromium.find_browser(skip_local=False)
    if browser is None or not os.access(browser, os.X_OK):
        # kaleido's server thread would die at start and leave every call waiting
        raise ChartsUnavailable("Chart images need Chromium: install it (Debian: apt install "
                                "chromium) or set BROWSER_PATH to a Chrome/Chromium binary.")
    with _KALEIDO:
        kaleido.start_sync_server(silence_warnings=True)
        try:
            def render(fig: go.Figure, size: tuple[int, int]) -> bytes:
                return kaleido.calc_fig_sync(fig.to_dict(), opts=dict(
                    format="png", width=size[0], height=size[1], scale=PNG_SCALE))
            yield render
        finally:
            kaleido.stop_sync_server(silence_warnings=True)


# ---------------------------------------------------------------- PDF (fpdf2)

PAGE_W, PAGE_H = 338.667, 190.5      # mm: 13.333 × 7.5 in, 16:9
MARGIN = 14.0
INK, MUTED, ACCENT = (31, 41, 51), (96, 108, 118), (38, 70, 83)
HEAD_FILL, ROW_FILL = (222, 230, 236), (245, 247, 249)
PDF_FONT = "DejaVu"


def render_pdf(sections: Sequence[Section], org_name: str, period: str) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    class Pdf(FPDF):
        def footer(self) -> None:
            if self.page_no() == 1:
                return
            self.set_y(-10)
            self.set_font(PDF_FONT, size=8)
            self.set_text_color(*MUTED)
            self.cell(0, 5, f"{org_name} · {period} · {SUPPRESSION_NOTE}", align="L")
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


# ---------------------------------------------------------------- PowerPoint (python-pptx)

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
        parts = [s.lead] + [f"{registry.get(m).label}: {_definition(m)}" for m in s.metric_ids]
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
        footer = [f"{org_name} · {SUPPRESSION_NOTE}"]
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


# ---------------------------------------------------------------- the pack

def build_pack(con: duckdb.DuckDBPyConnection, window: Window, org_name: str | None = None,
               formats: Sequence[str] = FORMATS, progress: Progress | None = None,
               today: dt.date | None = None) -> BoardPack:
    """Compute, draw and assemble the pack in memory (see :func:`write_pack`)."""
    unknown = set(formats) - set(FORMATS)
    if unknown or not formats:
        raise ValueError(f"formats must be some of {', '.join(FORMATS)}; got {sorted(formats)}")
    started = time.perf_counter()
    step = progress or (lambda fraction, text: None)
    with chart_renderer() as render:        # Chromium starts while the numbers are computed
        sections = build_sections(con, window, org_name, today, step)
        charted = [s for s in sections if s.figure is not None]
        pngs: dict[str, bytes] = {}
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

