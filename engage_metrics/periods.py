"""Periods in words: dates, windows and fiscal years as a director or a board reads them
(the sidebar, the pages and the board pack say them the same way)."""
from __future__ import annotations

import datetime as dt

from engage_metrics.metrics import Window


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
