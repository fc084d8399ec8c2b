"""Targets: a registered metric, a value to reach by a due date, optionally in one program;
how far along it is, the pace it needs per month and the pace of the last three months.

Why a module of its own: a target is not one more query but a reading of registered
metrics on a few dates (now, three months ago, the due date), so it runs them through
:mod:`engage_metrics.metrics` and keeps its own rules here, written once in
:data:`DEFINITIONS`, which the Overview, the Settings page, the board pack, the CLI, the
Definitions page and docs/metrics.md all show.

Targets are the analyst's decisions, stored in the table ``target`` (schema 8); setting or
removing one changes no number, so the data version is left alone.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace
from typing import Any

import duckdb
import pandas as pd

from engage_metrics import faults, metrics, registry
from engage_metrics.config import RUNG_NAMES
from engage_metrics.transaction import transaction

LEVEL, CUMULATIVE = "level", "cumulative"
TRAILING_MONTHS = 12          # a level metric is read over the 12 months before the date
PACE_MONTHS = 3               # the pace of the last three months
DAYS_PER_MONTH = 365.25 / 12  # months left = days left ÷ 30.44
RUNG_METRIC = "people_at_rung"
# the registered metrics a target can be set on, higher being better for each: level metrics
# describe the 12 months before a date, cumulative ones add up from the target's start
TARGET_METRICS: dict[str, str] = {
    "active_people": LEVEL, RUNG_METRIC: LEVEL, "repeat_rate": LEVEL,
    "escalation_rate": LEVEL, "mean_depth": LEVEL, "relationship_strength": LEVEL,
    "total_hours": CUMULATIVE, "new_people": CUMULATIVE, "attended_participations": CUMULATIVE,
}
RUNGS = (2, 3, 4, 5)          # N of "active people at rung N or higher"
# what a target's status is called, from best to worst
ON_TRACK, BEHIND, MET, MISSED = "on track", "behind", "met", "missed"
NOT_STARTED, NOT_COMPUTABLE = "not started", "cannot be computed"

DEFINITIONS: dict[str, str] = {
    "Target": (
        "A value an analyst sets for a metric (the Settings page or engage targets set), to "
        "reach by a due date, for the whole organization or one program: active people, "
        "active people at rung N or higher (N from 2 to 5), repeat rate, escalation rate, "
        "mean relationship depth, relationship strength, volunteer hours, new people or "
        "attended participations. Every target is a value to reach or exceed."),
    "As-of date": (
        "Targets are read as of a date D: the end of the period shown (on the Overview and "
        "in the board pack the day after its last day; engage targets list takes --asof, "
        "by default the day after the data's last event date), so they follow the data, "
        "not the calendar."),
    "Value": (
        "For a level metric (active people, people at rung N or higher, repeat rate, "
        "escalation rate, mean depth, relationship strength) the metric over the 12 months "
        "before D, [D − 12 months, D), in the target's program. For a cumulative metric "
        "(hours, new people, attended participations) the metric from the target's start to "
        "D, [start, D): the start is the day after the data's last event date when the "
        "target was set, unless one is given; only cumulative targets have a start."),
    "Progress": "The value against the target: value ÷ target (\"1,234 of 1,500, 82 %\").",
    "Pace of the last three months": (
        "The metric's change per month over the three months before D: for a level metric "
        "(value at D − value at D − 3 months) ÷ 3, each read over its own 12 months; for a "
        "cumulative metric the amount added in [D − 3 months, D) ÷ 3, whenever the target "
        "started."),
    "Pace needed": (
        "What the value still has to gain per month: (target − value) ÷ months left, where "
        "months left = days from D to the due date ÷ 30.44; 0 once the value reaches the "
        "target."),
    "On track": (
        "On track when the value projected to the due date at the pace of the last three "
        "months, value + pace × months left, reaches the target (for a value still below "
        "the target the same as: that pace is at least the pace needed); behind otherwise. A "
        "value that already reaches the target but falls fast enough to end below it by the "
        "due date is behind (\"reached already, but falling\"); one that reaches it with no "
        "pace to measure is on track."),
    "Met or missed": (
        "Once D is on or after the due date the target is closed: met when the value at the "
        "due date (read with D = the due date) reaches the target, missed otherwise. "
        "A cumulative target read before its start (a period that ends before the target "
        "was set) is not started; a level target has no start (it is always read over the "
        "12 months before D)."),
    "Cannot be computed": (
        "A target whose program has no events in the data, whose metric is no longer "
        "registered, or whose value (or the value three months earlier, for the pace) is "
        "empty, as a rate is with nobody to take it over, is shown as cannot be computed, "
        "with the reason; it is not judged on track or behind."),
}


class TargetError(ValueError):
    """A target that cannot be saved or found; the message says which and why, in one line."""


@dataclass(frozen=True)
class Target:
    """One stored target."""

    target_id: int
    metric: str
    value: float
    due: dt.date
    start: dt.date
    program: str | None = None
    rung: int | None = None

    @property
    def kind(self) -> str:
        return TARGET_METRICS.get(self.metric, LEVEL)

    @property
    def unit(self) -> str:
        return registry.get(self.metric).unit if self.metric in registry.metrics() else "count"

    @property
    def label(self) -> str:
        """What the target is on, in words: the metric's label (with its rung) and program."""
        name = metric_label(self.metric, self.rung)
        return f"{name} ({self.program})" if self.program else name

    def format(self, value: Any) -> str:
        return registry.format_value(value, self.unit)


def metric_label(metric_id: str, rung: int | None = None) -> str:
    """A target metric's name: the registry's label, "at rung N or higher" spelled out."""
    if metric_id == RUNG_METRIC:
        name = f"Active people at rung {rung} ({RUNG_NAMES.get(rung or 0, '?')})"
        return name if rung == max(RUNGS) else f"{name} or higher"
    if metric_id in registry.metrics():
        return registry.get(metric_id).label
    return metric_id


def choices() -> dict[str, str]:
    """Metric id -> label of every metric a target can be set on."""
    return {m: registry.get(m).label for m in TARGET_METRICS}


@dataclass(frozen=True)
class Progress:
    """A target read as of a date (see :data:`DEFINITIONS`). ``base`` and ``recent_base``
    are the people behind the value and the pace's other end (for small-cell suppression;
    see :func:`reading`); ``recent`` is the value 3 months before (level) or the amount of the last
    3 months (cumulative)."""

    target: Target
    asof: dt.date
    status: str
    value: float | None = None
    share: float | None = None
    pace: float | None = None
    needed: float | None = None
    months_left: float | None = None
    projected: float | None = None
    recent: float | None = None
    base: int | None = None
    recent_base: int | None = None
    reason: str = ""

    @property
    def reached(self) -> bool:
        return self.value is not None and self.value >= self.target.value

    def sentence(self) -> str:
        """The target's state in one plain sentence."""
        t = self.target
        due = _day(t.due)
        if self.status == NOT_COMPUTABLE:
            return f"{t.label}: {t.format(t.value)} by {due} — cannot be computed: {self.reason}"
        if self.status == NOT_STARTED:      # only a cumulative target has a start
            return (f"{t.label}: {t.format(t.value)} by {due} — not started (it counts from "
                    f"{_day(t.start)}).")
        shown = f"{t.label}: {t.format(self.value)} of {t.format(t.value)}"
        if self.share is not None:
            shown += f" ({self.share * 100:.0f} %)"
        if self.status in (MET, MISSED):
            return f"{shown} on the due date, {due}: {self.status}."
        if self.reached and self.status == ON_TRACK:
            return f"{shown}, due {due}: reached already — on track."
        if self.reached:          # behind: falling below the target by the due date
            text = (f"{shown}, due {due}: reached already, but falling: at the recent pace "
                    f"({pace_text(self.pace, t.unit)} a month) it ends below the target by the "
                    "due date")
            if self.projected is not None:
                text += f" (about {t.format(self._rounded(self.projected))})"
            return text + f" — {self.status}."
        text = (f"{shown}, due {due}: needs {pace_text(self.needed, t.unit)} a month; the last "
                f"three months went {pace_text(self.pace, t.unit)} a month — {self.status}")
        if self.status == BEHIND and self.projected is not None:
            text += (f" (at that pace about {t.format(self._rounded(self.projected))} by the due "
                     "date)")
        return text + "."

    def _rounded(self, value: float) -> float:
        return round(value) if self.target.unit == "count" else value


def pace_text(value: float | None, unit: str) -> str:
    """A change per month: "+1.2 pts" for rates, "+38.3" for counts, "+120.5 h" for hours."""
    if value is None:
        return "–"
    if unit == "ratio":
        return f"{value * 100:+.1f} pts"
    if unit == "hours":
        return f"{value:+,.1f} h"
    return f"{value:+,.1f}"


def _day(d: dt.date) -> str:
    return f"{d.day} {d:%b %Y}"


# ---------------------------------------------------------------- storing

def default_start(con: duckdb.DuckDBPyConnection) -> dt.date:
    """Where a new target starts counting: the day after the data's last event date (the
    first day the data does not hold yet), today in an empty store."""
    return metrics.Window.default(con).end


def programs(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("SELECT DISTINCT program FROM event ORDER BY 1").fetchall()]


def parse_value(value: Any) -> Any:
    """A target value as typed, on the command line and in the Settings form alike: "60%"
    is 0.6 (a rate), anything else is left for :func:`check` ("0.6" is 0.6, "120" is 120)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.endswith("%"):
        try:
            return float(text[:-1].strip()) / 100
        except ValueError:
            return text
    return text


def parse_date(value: dt.date | str, what: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise TargetError(f"the {what} {str(value)!r} is not a date (YYYY-MM-DD)") from None


def check(con: duckdb.DuckDBPyConnection, metric: str, value: Any, due: dt.date | str,
          program: str | None = None, rung: int | None = None,
          start: dt.date | str | None = None) -> Target:
    """The target these values make (id 0), or TargetError naming the first problem."""
    if metric not in TARGET_METRICS:
        raise TargetError(f"{metric!r} is not a metric a target can be set on; choose one of "
                          + ", ".join(TARGET_METRICS))
    if metric == RUNG_METRIC:
        if rung is None:
            raise TargetError(f"{RUNG_METRIC} needs --rung N (2 to 5)")
        if isinstance(rung, bool) or rung not in RUNGS:
            raise TargetError(f"{RUNG_METRIC} needs --rung N (2 to 5), not {rung!r}")
    elif rung is not None:
        raise TargetError(f"a rung is only for {RUNG_METRIC} (people at rung N or higher)")
    unit = registry.get(metric).unit
    if value is None or (isinstance(value, str) and not value.strip()):
        raise TargetError("give the value to reach")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TargetError(f"the target value {value!r} is not a number") from None
    typed = value.strip() if isinstance(value, str) else repr(value)   # as typed
    if isinstance(value, bool) or not math.isfinite(number) or number <= 0:
        raise TargetError(f"the target value must be a number above 0, not {typed}")
    if unit == "ratio" and number > 1:
        raise TargetError(f"a rate's target is between 0 and 1 (0.6 or 60% for 60 %), not {typed}")
    if unit == "score" and number > 100:
        raise TargetError(f"a depth target is at most 100, not {typed}")
    if unit == "count" and not number.is_integer():
        raise TargetError(f"a count's target is a whole number, not {typed}")
    due_date = parse_date(due, "due date")
    begin = default_start(con) if start is None or start == "" else parse_date(start, "start")
    if due_date <= begin:
        raise TargetError(f"the due date {due_date} must be after the target's start {begin}")
    name = (program or "").strip() or None
    if name is not None and name not in (known := programs(con)):
        raise TargetError(f"unknown program {name!r}; programs are: "
                          + (", ".join(known) or "none yet (import data first)"))
    return Target(0, metric, number, due_date, begin, name, rung)


def set_target(con: duckdb.DuckDBPyConnection, metric: str, value: Any, due: dt.date | str,
               program: str | None = None, rung: int | None = None,
               start: dt.date | str | None = None) -> Target:
    """Check and store a new target; returns it with its id."""
    t = check(con, metric, value, due, program, rung, start)
    with transaction(con):
        new_id = con.execute("SELECT COALESCE(MAX(target_id), 0) + 1 FROM target").fetchall()[0][0]
        con.execute("INSERT INTO target VALUES ($id, $metric, $rung, $value, $start, $due, "
                    "$program, CURRENT_TIMESTAMP)",
                    {"id": new_id, "metric": t.metric, "rung": t.rung, "value": t.value,
                     "start": t.start, "due": t.due, "program": t.program})
    return Target(int(new_id), t.metric, t.value, t.due, t.start, t.program, t.rung)


def remove_target(con: duckdb.DuckDBPyConnection, target_id: int) -> None:
    with transaction(con):
        found = con.execute("SELECT COUNT(*) FROM target WHERE target_id = $id",
                            {"id": target_id}).fetchall()[0][0]
        if not found:
            raise TargetError(f"there is no target #{target_id}; `engage targets list` shows "
                              "them")
        con.execute("DELETE FROM target WHERE target_id = $id", {"id": target_id})


def list_targets(con: duckdb.DuckDBPyConnection) -> list[Target]:
    """Every stored target, by due date."""
    with faults.reading(con):
        rows = con.execute("SELECT target_id, metric, value, due_date, start_date, program, rung "
                           "FROM target ORDER BY due_date, target_id").fetchall()
    return [Target(int(i), m, float(v), due, start, p, None if r is None else int(r))
            for i, m, v, due, start, p, r in rows]


# ---------------------------------------------------------------- reading

def months_before(d: dt.date, months: int) -> dt.date:
    """The same day *months* calendar months earlier (the month's last day when shorter)."""
    m = d.year * 12 + d.month - 1 - months
    year, month = m // 12, m % 12 + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(d.day, last))


def reading(con: duckdb.DuckDBPyConnection, target: Target, start: dt.date,
            end: dt.date) -> tuple[float | None, int]:
    """The target's metric over [start, end) in its program, and the people behind it (for
    small-cell suppression): the eligible people of an escalation rate, the people with
    hours of volunteer hours, the active people of that window otherwise."""
    params: dict[str, Any] = metrics.Window(start, end, (target.program,) if target.program
                                            else ()).params()
    if target.rung is not None:
        params["rung"] = target.rung
    ids = [target.metric, "active_people"]
    if target.metric == "escalation_rate":
        ids.append("escalated_people")
    if target.metric == "total_hours":
        ids.append("hours_volunteers")
    with metrics.depth_ready(con, ids, params) as cur:
        value = metrics.scalar(cur, target.metric, **params)
        base = int(metrics.scalar(cur, "active_people", **params) or 0)
        if target.metric == "escalation_rate":      # the rate is over the eligible people
            escalated = metrics.scalar(cur, "escalated_people", **params) or 0
            base = round(escalated / value) if value else base
        if target.metric == "total_hours":           # the people who gave the hours
            base = int(metrics.scalar(cur, "hours_volunteers", **params) or 0)
    return (None if value is None else float(value)), base


def _value_at(con: duckdb.DuckDBPyConnection, target: Target,
              d: dt.date) -> tuple[float | None, int]:
    """The target's value as of *d* (see DEFINITIONS, "Value")."""
    if target.kind == CUMULATIVE:
        return reading(con, target, target.start, d) if d > target.start else (0.0, 0)
    try:
        start = d.replace(year=d.year - 1)
    except ValueError:       # 29 February
        start = d.replace(year=d.year - 1, day=28)
    return reading(con, target, start, d)


def evaluate(con: duckdb.DuckDBPyConnection, target: Target, asof: dt.date) -> Progress:
    """*target* as of *asof* (D): its status, value, progress and paces (DEFINITIONS)."""
    t = target
    if t.metric not in TARGET_METRICS or t.metric not in registry.metrics():
        return Progress(t, asof, NOT_COMPUTABLE, reason=f"the metric {t.metric!r} is no "
                        "longer one a target can be set on.")
    if t.program is not None and t.program not in programs(con):
        return Progress(t, asof, NOT_COMPUTABLE,
                        reason=f"the program {t.program!r} has no events in the data.")
    if t.kind == CUMULATIVE and asof < t.start:     # a level target has no start
        return Progress(t, asof, NOT_STARTED)
    closed = asof >= t.due
    d = t.due if closed else asof
    value, base = _value_at(con, t, d)
    if value is None:
        return Progress(t, d, NOT_COMPUTABLE, base=base,
                        reason="its value is empty (nobody to take the rate over).")
    share = value / t.value
    if closed:
        return Progress(t, d, MET if value >= t.value else MISSED, value, share, base=base)
    back = months_before(d, PACE_MONTHS)
    if t.kind == CUMULATIVE:
        recent, recent_base = reading(con, t, back, d)
        pace = None if recent is None else recent / PACE_MONTHS
    else:
        recent, recent_base = _value_at(con, t, back)
        pace = None if recent is None else (value - recent) / PACE_MONTHS
    months_left = (t.due - d).days / DAYS_PER_MONTH
    needed = max(t.value - value, 0.0) / months_left
    projected = None if pace is None else value + pace * months_left
    read = Progress(t, d, ON_TRACK, value, share, pace, needed, months_left, projected, recent,
                    base, recent_base)
    if pace is None:
        if value >= t.value:        # reached, with no pace to project it by
            return read
        return replace(read, status=NOT_COMPUTABLE, reason="there is no value three months "
                       "earlier to measure the pace by.")
    # the projection decides (below the target: pace >= needed is the same, without rounding)
    on_track = pace >= needed if value < t.value else value + pace * months_left >= t.value
    return replace(read, status=ON_TRACK if on_track else BEHIND)


def progress(con: duckdb.DuckDBPyConnection, asof: dt.date | None = None,
             selected: tuple[str, ...] = ()) -> list[Progress]:
    """Every target as of *asof* (default: the day after the data's last event date); with
    *selected* programs, only the targets of those programs."""
    when = asof or default_start(con)
    return [evaluate(con, t, when) for t in list_targets(con)
            if not selected or t.program in selected]


def chart_frame(found: list[Progress]) -> pd.DataFrame:
    """One row per target for :func:`engage_metrics.charts.targets`: its name, progress and
    projection as shares of the target (None when not known or not shown), status and the
    text on its bar."""
    rows = []
    for p in found:
        t = p.target
        shown = p.value is not None and p.share is not None
        text = (f"{t.format(p.value)} of {t.format(t.value)} · {p.status}" if shown
                else p.status)
        rows.append({"name": f"#{t.target_id} {t.label}, due {_day(t.due)}",
                     "share": p.share if shown else None,
                     "projected": (p.projected / t.value
                                   if shown and p.projected is not None else None),
                     "status": p.status, "text": text})
    return pd.DataFrame(rows, columns=["name", "share", "projected", "status", "text"])
