"""The shared sidebar controls: date window, comparison, programs, hide names.

The entry point draws them on every rerun, so their values (kept under fixed
session-state keys) follow the user from page to page; pages read them with
:func:`current`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from engage_metrics.metrics import Window
from engage_metrics.periods import fmt_date, period_text
from engage_ui import access, data

PRESETS = ("Last 90 days", "Last 12 months", "Fiscal year", "Year to date", "All time", "Custom")
DEFAULT_PRESET = "Last 12 months"
KEYS = {"preset": "f_preset", "custom": "f_custom", "programs": "f_programs",
        "compare": "f_compare", "hide": "f_hide_names"}


@dataclass(frozen=True)
class Filters:
    window: Window
    previous: Window | None      # None when the comparison is switched off
    hide_names: bool
    label: str                   # e.g. "Last 12 months: 1 Nov 2025 – 31 Oct 2026"


def _year_back(d: dt.date) -> dt.date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:   # 29 February
        return d.replace(year=d.year - 1, day=28)


def preset_window(preset: str, last: dt.date, first: dt.date, fiscal_start_month: int = 1,
                  custom: tuple[dt.date, dt.date] | None = None) -> tuple[dt.date, dt.date]:
    """[start, end) of a preset, anchored on the data's last event date *last*."""
    end = last + dt.timedelta(days=1)
    if preset == "Last 90 days":
        return end - dt.timedelta(days=90), end
    if preset == "Last 12 months":
        return _year_back(end), end
    if preset == "Fiscal year":
        year = last.year if last.month >= fiscal_start_month else last.year - 1
        return dt.date(year, fiscal_start_month, 1), end
    if preset == "Year to date":
        return dt.date(last.year, 1, 1), end
    if preset == "All time":
        return first, end
    if preset == "Custom" and custom:
        start, last_day = custom
        return start, last_day + dt.timedelta(days=1)
    raise ValueError(f"unknown date preset {preset!r}")


def sidebar(session: access.Session) -> None:
    """Draw the shared controls in the sidebar (only when there is data). Viewers see
    names hidden and cannot show them."""
    summary = data.store_summary()
    if not summary["participations"]:
        return
    first, last = summary["first_date"], summary["last_date"]
    sb = st.sidebar
    sb.markdown("### Period and filters")
    preset = sb.selectbox("Date window", PRESETS, index=PRESETS.index(DEFAULT_PRESET),
                          key=KEYS["preset"],
                          help="Presets end on the latest event date in the data "
                               f"({fmt_date(last)}). The fiscal year's first month is set on "
                               "the Settings page.")
    if preset == "Custom":
        sb.date_input("From – to (inclusive)", value=(_year_back(last), last),
                      min_value=first, max_value=last, key=KEYS["custom"])
    sb.multiselect("Programs", summary["programs"], key=KEYS["programs"],
                   placeholder="All programs",
                   help="Counts and shares use only these programs' events; a person's history "
                        "(first attendance, rung, depth) always uses all of their events.")
    sb.toggle("Compare with the previous period", value=True, key=KEYS["compare"],
              help="Deltas on the cards compare with the equally long period just before.")
    if session.is_analyst:
        sb.toggle("Hide names", value=False, key=KEYS["hide"],
                  help="Replace names, emails and phone numbers with person numbers on every "
                       "page (for screens shared with a board or a room).")
    else:
        sb.toggle("Hide names", value=True, disabled=True, key="f_hide_names_viewer",
                  help="Names, emails and phone numbers are hidden for viewers.")
    sb.caption(f"Showing {period_text(current().window)}")


def names_hidden() -> bool:
    """Hide names: the analyst's toggle; always on for viewers (whatever the browser sends)."""
    session = access.gate()
    if session is None or not session.is_analyst:
        return True
    return bool(st.session_state.get(KEYS["hide"], False))


def current() -> Filters:
    """The filters as set in the sidebar (defaults before it was drawn)."""
    summary = data.store_summary()
    last = summary["last_date"] or dt.date.today()
    first = summary["first_date"] or last
    state = st.session_state
    preset = state.get(KEYS["preset"], DEFAULT_PRESET)
    custom = state.get(KEYS["custom"])
    picked = tuple(custom) if isinstance(custom, (tuple, list)) and len(custom) == 2 else None
    if preset == "Custom" and picked is None:
        preset = DEFAULT_PRESET       # a half-picked range: keep the default until both ends
    start, end = preset_window(preset, last, first,
                               int(data.settings()["fiscal_year_start_month"]),
                               picked if preset == "Custom" else None)
    programs = tuple(p for p in state.get(KEYS["programs"], []) if p in summary["programs"])
    window = Window(start, end, programs)
    compare = state.get(KEYS["compare"], True)
    return Filters(window=window, previous=window.previous() if compare else None,
                   hide_names=names_hidden(),
                   label=f"{preset}: {period_text(window)}")
