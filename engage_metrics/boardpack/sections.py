"""Which sections the pack contains, in order, and what each shows: one list of
:class:`Section` that the PDF, the PowerPoint and the dashboard's presentation view all
render. Charts come from :mod:`engage_metrics.charts`; every label, table cell and sentence
is suppressed here, before any renderer sees it."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd
import plotly.graph_objects as go

from engage_metrics import charts, registry, targets
from engage_metrics.boardpack.labels import ORG_CHARS, short_label, short_labels
from engage_metrics.boardpack.numbers import (
    KPIS,
    Numbers,
    Progress,
    change_text,
    compute,
    or_none,
)
from engage_metrics.boardpack.suppression import (
    HIDDEN,
    SMALL,
    SUPPRESSED,
    count_text,
    is_hidden,
    narrate_privately,
    value_text,
)
from engage_metrics.config import RUNG_NAMES
from engage_metrics.metrics import Window, quarters_back, run, scalar
from engage_metrics.periods import fiscal_label, fiscal_year, fmt_date, period_text

TRAJECTORY_QUARTERS = 6


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
    size: tuple[int, int] = (1600, 730)       # chart size in CSS px (PNG: × images.PNG_SCALE)
    alt: str = ""                             # alt text of the chart image
    metric_ids: tuple[str, ...] = ()          # whose definitions go in the notes
    definitions: tuple[tuple[str, str], ...] = ()   # (label, definition + formula)
    png: bytes | None = None


def _kpi_section(n: Numbers) -> Section:
    rows = []
    for metric_id, (room, key) in KPIS.items():
        metric = registry.get(metric_id)
        now, before = n.now[room][key], n.before[room][key]
        shown_now = value_text(metric_id, now, n.base(metric_id))
        shown_before = value_text(metric_id, before, n.base(metric_id, "before"))
        hidden = is_hidden(shown_now) or is_hidden(shown_before)
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
    return HIDDEN if quadrant and r["participation"]["active"] < SMALL else quadrant or "–"


def program_labels(n: Numbers) -> dict[str, str]:
    """Each program's label in this pack (see labels.short_labels): the same in every table,
    chart and sentence."""
    return short_labels([*n.window.programs, *n.programs["program"],
                         *n.previous_programs["program"]])


def _labelled(frame: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """*frame* with its program names replaced by their labels."""
    out = frame.copy()
    out["program"] = [labels.get(str(p), short_label(p)) for p in out["program"]]
    return out


def _narrative_section(n: Numbers) -> Section:
    labels = program_labels(n)
    return Section("reading", "What the numbers say",
                   "A plain-language reading of this period against the previous one.",
                   bullets=tuple(narrate_privately(n.now, n.before, _labelled(n.programs, labels),
                                                   _labelled(n.previous_programs, labels))),
                   metric_ids=("active_people", "repeat_rate", "return_rate_90d",
                               "escalation_rate", "task_share", "mean_depth"))



def _targets_sections(con: duckdb.DuckDBPyConnection, n: Numbers) -> list[Section]:
    """The targets of the pack's programs (every target without a program filter) as of the
    period's end: a table and one sentence each, then the progress chart; none without
    targets. A value about fewer than 5 people (a count of 1-4 people, a rate, average or
    hours over 1-4 people: suppression.value_text) is not shown, nor the pace needed (it
    would give the value away) or a pace of the last three months with such an end; the
    target itself and arithmetic on it are always shown."""
    found = targets.progress(con, n.window.end, n.window.programs)
    if not found:
        return []
    labels = program_labels(n)
    rows, bullets, charted = [], [], []
    for p in found:
        t = p.target
        if t.program is not None:       # the program's label in this pack
            t = dataclasses.replace(t, program=labels.get(t.program, short_label(t.program)))
            p = dataclasses.replace(p, target=t)
        now = value_text(t.metric, p.value, p.base) if p.value is not None else "–"
        before = (value_text(t.metric, p.recent, p.recent_base) if p.recent is not None
                  else "–")
        # a level pace is now − before; a cumulative one the amount of the last 3 months
        pace_hidden = is_hidden(before) or (t.kind == targets.LEVEL and is_hidden(now))
        hidden = is_hidden(now) or pace_hidden
        rows.append((t.label, fmt_date(t.due), now, t.format(t.value),
                     "–" if is_hidden(now) else targets.pace_text(p.needed, t.unit),
                     "–" if pace_hidden else targets.pace_text(p.pace, t.unit), p.status))
        if hidden:
            p = dataclasses.replace(p, value=None, share=None, projected=None)
            bullets.append(f"{t.label}, due {fmt_date(t.due)}: {p.status} (fewer than 5 "
                           "people behind its numbers, which are not shown).")
        else:
            bullets.append(p.sentence())
        charted.append(p)
    ids = tuple(dict.fromkeys(p.target.metric for p in found))
    through = fmt_date(n.window.end - dt.timedelta(days=1))
    table = Section(
        "targets", "Targets",
        f"Each target as of {through}, the end of this period: its value now, the pace it "
        "needs per month to reach the target by the due date and the pace of the last three "
        "months. Level metrics are read over the 12 months before the date, cumulative ones "
        "(hours, new people, participations) from the target's start.",
        table=Table(("Target", "Due", "Now", "Target", "Needed a month",
                     "Last 3 months, a month", "Status"), tuple(rows),
                    (3.6, 1.3, 1.2, 1.2, 1.4, 1.5, 1.3)),
        bullets=tuple(bullets), metric_ids=ids)
    fig = charts.targets(targets.chart_frame(charted))
    chart = _chart_section(
        "targets_chart", "Targets: on track?",
        "Each bar is a target's value as a share of the target now; ◆ is where the pace of "
        "the last three months would take it by the due date.", fig, ids,
        size=(1500, max(500, 160 + 90 * len(found))))
    return [table, chart]


def _people_section(con: duckdb.DuckDBPyConnection, n: Numbers) -> Section:
    series = run(con, "series_participation", **n.window.params())
    return _chart_section(
        "people", "Who took part, month by month",
        "People with at least one attended event each month: newcomers and people who came back.",
        None if series.empty else charts.people_over_time(
            series, "Active people per month: new and returning"),
        ("series_participation",))


def _spectrum_section(con: duckdb.DuckDBPyConnection, n: Numbers) -> Section:
    points = run(con, "spectrum_by_program", **n.window.params())
    shown = set(n.programs.loc[n.programs["active"] >= SMALL, "program"]) | {"Organization"}
    points = points[points["program"].isin(shown)]
    if n.now["participation"]["active"] < SMALL:
        points = points.iloc[0:0]
    trail = trajectory(con, n.window.end, shown)
    labels = {**program_labels(n), "Organization": "Organization"}
    points, trail = _labelled(points, labels), _labelled(trail, labels)
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
        # each program's active people from one query (dist_touches counts them per
        # program), not one prepared window per program and quarter
        people = run(con, "dist_touches", **q.params()).set_index("program")["people"]
        df["active"] = [int(scalar(con, "active_people", **q.params()) or 0)
                        if p == "Organization" else int(people.get(p, 0))
                        for p in df["program"]]
        df.insert(0, "quarter", f"{q.start.year} Q{(q.start.month - 1) // 3 + 1}")
        frames.append(df[df["active"] >= SMALL])
    return pd.concat(frames, ignore_index=True)


def _battery_section(con: duckdb.DuckDBPyConnection, n: Numbers) -> Section:
    battery = run(con, "battery", **n.window.params())
    if n.now["participation"]["active"] < SMALL:
        battery = battery.iloc[0:0]
    return _chart_section(
        "battery", "The relationship battery",
        "Relationship building charges the battery (up), asking people to do work discharges "
        "it (down); the line is the level: the relationship strength at each month's end.",
        None if battery.empty else charts.battery(battery), ("battery",))


def _ladder_section(con: duckdb.DuckDBPyConnection, n: Numbers) -> Section:
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


def _flows_section(con: duckdb.DuckDBPyConnection, n: Numbers) -> Section:
    a, b = n.previous, n.window
    flows = run(con, "rung_flows", **b.params(), a_start=a.start, a_end=a.end)
    section = _chart_section(
        "flows", "Moving up the ladder",
        f"Where the people of the previous period ({period_text(a)}) were at the end of this "
        f"one ({period_text(b)}): their rung, new people, people back after a break, and "
        "people not seen this period. Each person is counted once on each side.",
        None if flows.empty else charts.sankey(flows, "the previous period", "this period"),
        ("rung_flows",), size=(1100, 790))
    section.table = Table(("Movement", "People"), flow_summary(flows), (2.6, 1.0))
    return section


def flow_summary(flows: pd.DataFrame) -> tuple[tuple[str, str], ...]:
    """Rung flows summed into a few movements, small counts suppressed."""
    def rung(node: str) -> int:
        """The rung of a "Rung n (A|B)" node; 0 for New and Lapsed."""
        m = re.match(r"Rung (\d)", node)
        return int(m.group(1)) if m else 0

    totals = {"Stepped up one rung or more": 0, "Stayed on their rung": 0,
              "New this period": 0, "Back after a break this period": 0,
              "Not seen this period": 0}
    for source, target, people in zip(flows["source"], flows["target"], flows["people"],
                                      strict=True):
        if source == "New":
            totals["New this period"] += int(people)
        elif source == "Back":
            totals["Back after a break this period"] += int(people)
        elif target == "Lapsed":
            totals["Not seen this period"] += int(people)
        elif rung(target) > rung(source):
            totals["Stepped up one rung or more"] += int(people)
        else:
            totals["Stayed on their rung"] += int(people)
    for r in sorted(RUNG_NAMES)[1:]:
        reached = sum(int(p) for s, t, p in zip(flows["source"], flows["target"],
                                                flows["people"], strict=True)
                      if rung(t) == r and rung(s) < r and s != "Back")   # back: rung unknown
        totals[f"New at or moved up to {r} {RUNG_NAMES[r]}"] = reached
    return tuple((k, count_text(v)) for k, v in totals.items())


def _cohort_section(con: duckdb.DuckDBPyConnection, n: Numbers) -> Section:
    cohorts = run(con, "cohort_retention", **n.window.params())
    cohorts = cohorts[cohorts["cohort_size"] >= SMALL]
    return _chart_section(
        "retention", "Do newcomers come back?",
        "Each row is the people who first attended in that month; each cell the share of them "
        "who attended again k months later. Months with fewer than 5 newcomers are not shown.",
        None if cohorts.empty else charts.cohort_heatmap(cohorts), ("cohort_retention",),
        size=(1600, 760))


def _tiers_section(con: duckdb.DuckDBPyConnection, n: Numbers) -> Section:
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


def _programs_section(n: Numbers) -> Section:
    def row(name: str, active: Any, new: Any, attended: Any, hours: Any, hours_people: Any,
            task: Any, strength: Any, quadrant: Any) -> tuple[str, ...]:
        small = active < SMALL
        hidden = lambda text: HIDDEN if small and text != "–" else text  # noqa: E731
        # hours: hidden when 1-4 people gave them (0 h of nobody is shown)
        shown_hours = registry.format_value(or_none(hours), "hours")
        return (name, count_text(active), count_text(new), count_text(attended),
                HIDDEN if 0 < hours_people < SMALL else shown_hours,
                hidden(registry.format_value(or_none(task), "ratio")),
                hidden(registry.format_value(or_none(strength), "ratio")),
                hidden(or_none(quadrant) or "–"))

    labels = program_labels(n)
    rows = [row(labels[str(r["program"])], r["active"], r["new"], r["attended"], r["hours"],
                r["hours_people"], r["task_share"], r["relationship_strength"], r["quadrant"])
            for _, r in n.programs.iterrows()]
    p, s = n.now["participation"], n.now["spectrum"]
    rows.append(row("Selected programs" if n.window.programs else "All programs", p["active"],
                    p["new"], p["attended"], p["hours"], p["hours_people"], s["task_share"],
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


def _hours_section(con: duckdb.DuckDBPyConnection, n: Numbers) -> Section:
    rate = float(n.settings["hourly_value"])
    month = int(n.settings["fiscal_year_start_month"])
    fy_start, fy_end = fiscal_year(n.window.end - dt.timedelta(days=1), month)
    prev_start, _ = fiscal_year(fy_start - dt.timedelta(days=1), month)
    programs = list(n.window.programs)
    volunteers = scalar(con, "boardpack_form990_volunteers", fy_start=fy_start, fy_end=fy_end,
                         programs=programs)
    prev_volunteers = scalar(con, "boardpack_form990_volunteers", fy_start=prev_start,
                              fy_end=fy_start, programs=programs)
    hours, prev_hours = n.now["participation"]["hours"], n.before["participation"]["hours"]
    # hidden when 1-4 people gave the hours (0 hours of nobody say nothing about anyone)
    hide = 0 < n.base("total_hours") < SMALL
    hide_prev = 0 < n.base("total_hours", "before") < SMALL
    value, prev_value = hours * rate, prev_hours * rate

    def amount(v: float, unit: str, small: bool) -> str:     # hours, or dollars: not "< 5"
        return HIDDEN if small else registry.format_value(v, unit)

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


def _definitions_section(sections: Sequence[Section], n: Numbers) -> Section:
    ids = list(dict.fromkeys(m for s in sections for m in s.metric_ids))
    entries = tuple((registry.get(m).label, definition(m)) for m in ids)
    # (the keys carry their place already: "03_targets")
    if any(s.key.split("_", 1)[-1] == "targets" for s in sections):
        entries += tuple((f"Targets: {term}", text) for term, text in targets.DEFINITIONS.items())
    return Section("definitions", "Definitions", "Every number in this pack, as defined in "
                   "Engage's metric registry. The lapse threshold in these numbers is "
                   f"{int(n.settings['lapse_days']):,} days.", kind="definitions",
                   definitions=entries)


def definition(metric_id: str) -> str:
    """A metric's definition and formula, as the definitions page and the slides' notes say it."""
    m = registry.get(metric_id)
    return f"{m.definition} Formula: {m.formula}" if m.formula else m.definition


# the chart sections after the headline ones, in the pack's order, by their keys: each built
# from the window's numbers (and the store, read when the section is built)
_CHARTS: tuple[tuple[str, Callable[[duckdb.DuckDBPyConnection, Numbers], Section]], ...] = (
    ("people", _people_section), ("spectrum", _spectrum_section),
    ("battery", _battery_section), ("ladder", _ladder_section), ("flows", _flows_section),
    ("retention", _cohort_section), ("depth", _tiers_section),
    ("programs", lambda con, n: _programs_section(n)), ("hours", _hours_section))


class Deck:
    """The pack's sequence for a window, each section built when it is first asked for:
    the presentation view shows one screen at a time, and its first screen needs none of
    the charts (the spectrum's trajectory and the battery compute depth on many dates).
    The title, headline, narrative and targets sections are built with the deck (from the
    numbers every section shares); the definitions, last, build every section before it
    (they list the metrics of all)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, window: Window,
                 org_name: str | None = None, today: dt.date | None = None,
                 step: Progress | None = None) -> None:
        step = step or (lambda fraction, text: None)
        n = self.numbers = compute(con, window, step)
        org = short_label((org_name or "").strip() or str(n.settings["org_name"]), ORG_CHARS)
        labels = program_labels(n)
        chosen = ", ".join(labels[p] for p in window.programs)
        title = Section("title", org, "Engagement board pack", kind="title", bullets=(
            period_text(window) + (f" · {chosen}" if window.programs else " · all programs"),
            f"Compared with {period_text(n.previous)}",
            f"Prepared {fmt_date(today or dt.date.today())} with Engage"))
        self._sections: list[Section | None] = [
            title, _kpi_section(n), _narrative_section(n), *_targets_sections(con, n)]
        self._first_chart = len(self._sections)
        self._sections += [None] * (len(_CHARTS) + 1)
        for i, section in enumerate(self._sections[:self._first_chart]):
            assert section is not None
            section.key = f"{i:02d}_{section.key}"

    def __len__(self) -> int:
        return len(self._sections)

    def built(self, i: int) -> Section | None:
        """Section *i* if it has been built, else None."""
        return self._sections[i]

    def key(self, i: int) -> str:
        """Section *i*'s key ("05_spectrum"), built or not."""
        found = self._sections[i]
        if found is not None:
            return found.key
        name = ("definitions" if i == len(self) - 1
                else _CHARTS[i - self._first_chart][0])
        return f"{i:02d}_{name}"

    def section(self, con: duckdb.DuckDBPyConnection, i: int,
                step: Progress | None = None) -> Section:
        """Section *i*, built now (reading *con*) unless it was before."""
        found = self._sections[i]
        if found is not None:
            return found
        if i == len(self) - 1:          # the definitions: of every section before them
            before = [self.section(con, j, step) for j in range(i)]
            found = _definitions_section(before, self.numbers)
        else:
            j = i - self._first_chart
            if step is not None:
                step(0.2 + 0.25 * j / len(_CHARTS), "Computing the charts")
            name, build = _CHARTS[j]
            found = build(con, self.numbers)
            assert found.key == name, (found.key, name)
        found.key = f"{i:02d}_{found.key}"
        self._sections[i] = found
        return found


def build_sections(con: duckdb.DuckDBPyConnection, window: Window, org_name: str | None = None,
                   today: dt.date | None = None, progress: Progress | None = None) -> list[Section]:
    """The pack's sequence for *window*, every section built, with figures but no images
    yet (the PDF and the PowerPoint; the presentation view builds a :class:`Deck`'s
    sections one screen at a time)."""
    deck = Deck(con, window, org_name, today, progress)
    return [deck.section(con, i, progress) for i in range(len(deck))]
