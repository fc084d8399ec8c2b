"""No personal data in the pack: every count of 1 to 4 people is shown as "< 5", and every
rate, average or amount of hours taken over 1 to 4 people as "hidden (< 5 people)" (so that
no hours column reads "under 5 hours"), in tables, chart labels and prose. A figure over
nobody (0 hours of 0 people) says nothing about anyone and is shown."""
from __future__ import annotations

from typing import Any

import pandas as pd

from engage_metrics import registry
from engage_metrics.boardpack.numbers import KPIS, base_of
from engage_metrics.narrative import narrate, num

SMALL = 5                      # counts below this (and above 0) are suppressed
SUPPRESSED = "< 5"              # a count of 1-4 people
HIDDEN = "hidden (< 5 people)"  # a rate, an average or hours over 1-4 people
SUPPRESSION_NOTE = "“< 5”, “hidden”: fewer than 5 people, not shown to protect their privacy."


def is_hidden(text: str) -> bool:
    """Whether a cell of :func:`value_text` or :func:`count_text` is suppressed."""
    return text in (SUPPRESSED, HIDDEN)


def count_text(n: Any) -> str:
    """A count of people, with 1–4 suppressed."""
    if n is None or (isinstance(n, float) and n != n):
        return "–"
    return SUPPRESSED if 0 < n < SMALL else f"{int(n):,}"


def value_text(metric_id: str, value: Any, base: int | None) -> str:
    """A registered metric's value as the registry formats it; "< 5" when it is a count of
    1–4, "hidden (< 5 people)" when it is a rate, an average or an amount (hours) over 1–4
    people (*base*, the people behind it: for hours, those who gave them)."""
    metric = registry.get(metric_id)
    if value is not None and metric.unit == "count" and 0 < value < SMALL:
        return SUPPRESSED
    if value is not None and metric.unit != "count" and base is not None and 0 < base < SMALL:
        return HIDDEN
    return metric.format(value)


def _blank_small(r: dict[str, Any]) -> dict[str, Any]:
    """A copy of a report whose rates and averages over fewer than 5 people are None."""
    out = {room: dict(v) if isinstance(v, dict) else v for room, v in r.items()}
    for metric_id, (room, key) in KPIS.items():
        if registry.get(metric_id).unit != "count" and base_of(r, metric_id) < SMALL:
            out[room][key] = None
    if r["participation"]["active"] < SMALL:
        out["spectrum"]["quadrant"] = None
    return out


def narrate_privately(now: dict[str, Any], before: dict[str, Any], programs: pd.DataFrame,
                      previous_programs: pd.DataFrame) -> list[str]:
    """engage_metrics.narrative.narrate, with nothing said about fewer than 5 people."""
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
    for sentence in narrate(current, previous, rows, prev_rows):
        for text, hidden in small.items():
            sentence = sentence.replace(text, hidden)
        out.append(sentence)
    return out
