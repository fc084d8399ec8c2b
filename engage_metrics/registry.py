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
Queries use bound parameters only ($start, $end, $programs, $asof, ...).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

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


def run(con: duckdb.DuckDBPyConnection, metric_id: str, **params: Any) -> pd.DataFrame:
    """Run one metric's query with bound parameters; extra params are ignored."""
    metric = get(metric_id)
    if any(name in metric.sql and not _has(con, name) for name in PREPARED):
        # metrics reading window facts or depth need them prepared on a private cursor first
        from engage_metrics.metrics import run as run_prepared
        return run_prepared(con, metric_id, **params)
    missing = [p for p in metric.params if p not in params]
    if missing:
        raise TypeError(f"{metric_id} needs parameters {missing}")
    # a metric reading window facts takes start/end through them, not in its own SQL
    bound = {p: params[p] for p in metric.params if re.search(rf"\${p}\b", metric.sql)}
    return con.execute(metric.sql, bound).df()


# relations a metric may read that engage_metrics.metrics.depth_ready prepares
PREPARED = ("window_person", "window_program", "window_depth", "depth_at")


def _has(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """True on a cursor prepared by metrics.depth_ready (a temp table or a registered view)."""
    return con.execute(
        "SELECT (SELECT COUNT(*) FROM duckdb_tables() WHERE temporary AND table_name = $n)"
        " + (SELECT COUNT(*) FROM duckdb_views() WHERE temporary AND view_name = $n)",
        {"n": name}).fetchall()[0][0] > 0


def scalar(con: duckdb.DuckDBPyConnection, metric_id: str, **params: Any) -> Any:
    """The single value of a scalar metric (None for SQL NULL)."""
    df = run(con, metric_id, **params)
    if df.empty:
        return None
    value = df["value"].iloc[0]
    if pd.isna(value):
        return None
    return value.item() if hasattr(value, "item") else value
