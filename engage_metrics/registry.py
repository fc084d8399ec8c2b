"""The metric registry: every metric declared once, in its own SQL file.

Each file ``sql/metrics/<id>.sql`` opens with a header of ``-- key: value``
lines (Evidence / MetricFlow style), then one parameterized query::

    -- id: active_people
    -- label: Active people
    -- unit: count            (count | ratio | hours | score | currency | days | table)
    -- room: participation    (participation | ladder | depth | spectrum | ...)
    -- shape: scalar          (scalar: one row, column `value`; table: any rows)
    -- params: start, end, programs
    -- definition: Distinct people with at least one attended participation in the window.
    -- formula: COUNT(DISTINCT person) WHERE status = attended AND start <= date < end

The dashboard (KPI help, Definitions page), the CLI (`report`, `metrics`), the
board pack and the docs all read this registry; nothing else declares a metric.
Queries use bound parameters only ($start, $end, $programs, $asof, ...). The registry
is data only: :mod:`engage_metrics.metrics` runs the queries.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

SQL_DIR = Path(__file__).with_name("sql")
METRICS_DIR = SQL_DIR / "metrics"
UNITS = {"count", "ratio", "hours", "score", "currency", "days", "table"}
SHAPES = {"scalar", "table"}
_HEADER = re.compile(r"^--\s*([a-z_]+):\s?(.*)$")


@dataclass(frozen=True)
class Metric:
    id: str
    label: str
    unit: str
    room: str
    shape: str
    definition: str
    formula: str
    params: tuple[str, ...]
    sql: str = field(repr=False)

    def format(self, value: Any) -> str:
        """Human formatting used by the dashboard, the CLI text report and the board pack."""
        return format_value(value, self.unit)


def format_value(value: Any, unit: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if unit == "ratio":
        return f"{value * 100:.1f} %"
    if unit == "hours":
        return f"{value:,.1f} h"
    if unit == "currency":
        return f"${value:,.0f}"
    if unit == "score":
        return f"{value:.1f}"
    if unit == "days":
        return f"{value:,.0f} days"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def parse_metric_file(path: Path) -> Metric:
    meta: dict[str, str] = {}
    body: list[str] = []
    in_header = True
    last_key = None
    for line in path.read_text().splitlines():
        m = _HEADER.match(line) if in_header else None
        if m:
            last_key = m.group(1)
            meta[last_key] = m.group(2).strip()
        elif in_header and line.startswith("--  ") and last_key:
            meta[last_key] += " " + line[2:].strip()   # continuation line
        elif in_header and line.startswith("--"):
            continue
        else:
            in_header = False
            body.append(line)
    missing = {"id", "label", "unit", "room", "shape", "definition"} - meta.keys()
    if missing:
        raise ValueError(f"{path.name}: header lacks {sorted(missing)}")
    if meta["id"] != path.stem:
        raise ValueError(f"{path.name}: id {meta['id']!r} must equal the file name")
    if meta["unit"] not in UNITS or meta["shape"] not in SHAPES:
        raise ValueError(f"{path.name}: bad unit or shape")
    params = tuple(p.strip() for p in meta.get("params", "").split(",") if p.strip())
    return Metric(
        id=meta["id"], label=meta["label"], unit=meta["unit"], room=meta["room"],
        shape=meta["shape"], definition=meta["definition"],
        formula=meta.get("formula", ""), params=params, sql="\n".join(body).strip(),
    )


@cache
def metrics() -> dict[str, Metric]:
    """All metrics, by id, in file-name order."""
    return {p.stem: parse_metric_file(p) for p in sorted(METRICS_DIR.glob("*.sql"))}


def get(metric_id: str) -> Metric:
    try:
        return metrics()[metric_id]
    except KeyError:
        raise KeyError(f"unknown metric {metric_id!r}") from None

