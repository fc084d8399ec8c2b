"""A short plain-language narrative of the numbers, for the director's one screen.

Pure functions of the report dictionaries (``metrics.report``) of the window and
of the previous period, and of the per-program spectrum rows
(``spectrum_by_program``): the same numbers always give the same sentences, so
the board pack and the dashboard say the same thing.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

# Programs with fewer attended participations than this are too small to characterize.
MIN_PROGRAM_PARTICIPATIONS = 30
# Changes smaller than this (relative) are "about the same".
STEADY = 0.03

LEANING = {
    "All task (transactional)": "leans all-task",
    "All relationship": "leans all-relationship",
    "Engaged (balanced)": "is engaged — tasks and relationships together",
    "Dormant": "is dormant — few tasks and thin relationships",
}
ADVICE = {
    "All task (transactional)": "invest in relationship building (one-on-ones, socials, house "
                                "meetings) before the battery runs flat",
    "All relationship": "put those relationships to work: make bigger asks of the people who "
                        "are ready",
    "Engaged (balanced)": "keep charging and discharging in step",
    "Dormant": "start with small, social first steps and follow up quickly",
}


def pct(x: float) -> str:
    return f"{x * 100:.0f} %"


def num(x: float) -> str:
    return f"{x:,.0f}"


def change(now: float | None, before: float | None, fmt: Callable[[float], str] = num,
           noun: str = "") -> str:
    """'up from 40 to 44' / 'down from …' / 'about the same as the previous period (44)'."""
    if now is None or before is None:
        return ""
    if before == 0 and now == 0:
        return "the same as in the previous period"
    if before != 0 and abs(now - before) / abs(before) < STEADY:
        return f"about the same as in the previous period ({fmt(before)}{noun})"
    return f"{'up' if now > before else 'down'} from {fmt(before)}{noun}"


def _get(report: Mapping[str, Any] | None, room: str, key: str) -> Any:
    return None if report is None else report.get(room, {}).get(key)


def _sentence(*parts: str) -> str:
    text = ", ".join(p for p in parts if p)
    return text[0].upper() + text[1:] + "." if text else ""


def headline(current: Mapping[str, Any], previous: Mapping[str, Any] | None) -> list[str]:
    """Who took part and whether they came back."""
    active = _get(current, "participation", "active") or 0
    if not active:
        return ["Nobody attended an event in this period."]
    new = _get(current, "participation", "new") or 0
    out = [_sentence(f"{num(active)} people took part",
                     change(active, _get(previous, "participation", "active")),
                     f"{num(new)} of them for the first time")]
    repeat = _get(current, "participation", "repeat_rate")
    ret = _get(current, "participation", "return_rate_90d")
    if repeat is not None:
        tail = (f"and {pct(ret)} of newcomers came back within 90 days" if ret is not None else "")
        out.append(_sentence(f"{pct(repeat)} came more than once", tail))
    esc = _get(current, "ladder", "escalation_rate")
    if esc is not None:
        out.append(_sentence(
            f"{pct(esc)} of returning people took a bigger role "
            f"({num(_get(current, 'ladder', 'escalated') or 0)} people)",
            change(esc, _get(previous, "ladder", "escalation_rate"), pct)))
    return out


def spectrum(current: Mapping[str, Any], previous: Mapping[str, Any] | None) -> list[str]:
    """Where the organization sits between all-task and all-relationship, and the advice."""
    quadrant = _get(current, "spectrum", "quadrant")
    task = _get(current, "spectrum", "task_share")
    depth = _get(current, "depth", "mean")
    if quadrant is None or task is None or depth is None:
        return []
    return [
        _sentence(f"The organization {LEANING[quadrant]}: {pct(task)} of participations are "
                  f"tasks and mean relationship depth is {num(depth)}",
                  change(depth, _get(previous, "depth", "mean"))),
        _sentence(f"Next: {ADVICE[quadrant]}"),
    ]


def programs(rows: Iterable[Mapping[str, Any]],
             previous_rows: Iterable[Mapping[str, Any]] = ()) -> list[str]:
    """The program leaning furthest to each side of the spectrum, with its depth change."""
    before = {r["program"]: r for r in previous_rows}
    usable = [r for r in rows if r["program"] != "Organization"
              and (r.get("attended") or 0) >= MIN_PROGRAM_PARTICIPATIONS
              and r.get("task_share") is not None and r.get("relationship_strength") is not None]
    if len(usable) < 2:
        return []
    out = []
    # most task-heavy relative to its relationships, then the most relationship-heavy
    task_end = max(usable, key=lambda r: r["task_share"] - r["relationship_strength"])
    rel_end = min(usable, key=lambda r: r["task_share"] - r["relationship_strength"])
    for r in (task_end, rel_end) if task_end is not rel_end else (task_end,):
        depth = r["relationship_strength"] * 100
        prev = before.get(r["program"], {}).get("relationship_strength")
        if prev is not None and abs(depth - prev * 100) >= 1:
            moved = (f"mean depth {'rose' if depth > prev * 100 else 'fell'} from "
                     f"{num(prev * 100)} to {num(depth)}")
        else:
            moved = f"mean depth is {num(depth)}"
        out.append(_sentence(f"{r['program']} {LEANING[r['quadrant']]}: {pct(r['task_share'])} "
                             f"of participations are tasks and {moved}"))
    return out


def narrate(current: Mapping[str, Any], previous: Mapping[str, Any] | None = None,
            program_rows: Iterable[Mapping[str, Any]] = (),
            previous_program_rows: Iterable[Mapping[str, Any]] = ()) -> list[str]:
    """The narrative as a few sentences, most important first."""
    out = headline(current, previous)
    if (_get(current, "participation", "active") or 0) == 0:
        return out
    return [s for s in (*spectrum(current, previous), *out,
                        *programs(program_rows, previous_program_rows)) if s]
