"""The numbers the pack shows, computed once from the engine: the report of the window and
of the previous period, the per-program rows and the settings; and how a change between the
two periods is written."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from engage_metrics import registry
from engage_metrics.config import get_setting
from engage_metrics.metrics import Window, depth_ready, report, run, scalar

# Told how far the pack is (0–1) and what it is doing; whatever it returns is ignored.
Progress = Callable[[float, str], object]

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
# the people behind a headline figure; others: active people
BASES = {"return_rate_90d": "new", "escalation_rate": "eligible", "total_hours": "hours"}


@dataclass
class Numbers:
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
    if kind == "hours":             # the people who gave the hours (compute adds them)
        return r["participation"].get("hours_people", r["participation"]["active"])
    if kind == "eligible":          # escalated = rate × eligible people
        rate, stepped = r["ladder"]["escalation_rate"], r["ladder"]["escalated"]
        return round(stepped / rate) if rate else r["participation"]["active"]
    return r["participation"]["active"]


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


def or_none(value: Any) -> Any:
    """*value*, or None when it is missing (None or NaN)."""
    return None if value is None or (isinstance(value, float) and value != value) else value


def program_rows(con: duckdb.DuckDBPyConnection, window: Window) -> pd.DataFrame:
    """spectrum_by_program for the shown programs, with active and new people, hours and
    the people who gave them."""
    rows = run(con, "spectrum_by_program", **window.params())
    rows = rows[rows["program"] != "Organization"]
    if window.programs:
        rows = rows[rows["program"].isin(window.programs)]
    rows = rows.reset_index(drop=True)
    columns = {"active": "active_people", "new": "new_people", "hours": "total_hours",
               "hours_people": "hours_volunteers"}
    values: dict[str, list[Any]] = {col: [] for col in columns}
    for program in rows["program"]:
        # the four read the same window facts: prepared once per program, not per metric
        params = Window(window.start, window.end, (program,)).params()
        with depth_ready(con, columns.values(), params) as cur:
            for col, metric_id in columns.items():
                values[col].append(scalar(cur, metric_id, **params))
    for col, found in values.items():
        rows[col] = found
    return rows


def compute(con: duckdb.DuckDBPyConnection, window: Window, step: Progress) -> Numbers:
    previous = window.previous()
    step(0.04, "Computing the headline numbers")
    now, before = report(con, window), report(con, previous)
    for r, w in ((now, window), (before, previous)):
        r["participation"]["hours_people"] = int(scalar(con, "hours_volunteers", **w.params())
                                                 or 0)
    step(0.14, "Computing the programs")
    programs, previous_programs = program_rows(con, window), program_rows(con, previous)
    settings = {k: get_setting(con, k) for k in ("hourly_value", "fiscal_year_start_month",
                                                 "org_name", "lapse_days")}
    return Numbers(window, previous, now, before, programs, previous_programs, settings)
