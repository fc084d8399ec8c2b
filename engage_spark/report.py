"""The headline report on Spark: the DuckDB path's composition (engage_metrics.metrics),
with every query run by Spark.

What :func:`engage_metrics.metrics.depth_ready` prepares in DuckDB — the window facts
(sql/facts), the (person, date) pairs to score and their depth by depth.sql's formula —
is prepared here as Spark views of the same queries, transpiled; the metrics then run
their own transpiled SQL on them. Snapshots are DuckDB's way to serve a window fast; on
Spark the facts are computed for the window asked. Only the metrics' result rows (one row,
or five) come back to Python.
"""
from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pandas as pd
from pyspark.sql import DataFrame, SparkSession

from engage_metrics import config, metrics, registry
from engage_metrics.metrics import REPORT_METRICS, Window
from engage_spark.transpile import to_spark


class SparkMetrics:
    """Metrics on the lake's views of one Spark session."""

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark
        self._prepared: list[DataFrame] = []

    def sql(self, duckdb_sql: str, params: dict[str, Any]) -> DataFrame:
        """One of the project's queries, transpiled, with its parameters bound."""
        query = to_spark(duckdb_sql)
        return self.spark.sql(query.sql, args=query.args(params))

    def settings(self) -> dict[str, Any]:
        """The metric parameters the lake's settings give (engage_metrics.config)."""
        rows = self.spark.sql("SELECT key, value FROM setting").collect()
        return config.metric_params_of({r["key"]: r["value"] for r in rows})

    def default_window(self) -> Window:
        """The last 12 months of data, as Window.default gives it in DuckDB."""
        [row] = self.spark.sql("SELECT MAX(event_date) AS last FROM event").collect()
        return Window.last_year_to(row["last"])

    def programs(self) -> set[str]:
        return {r[0] for r in self.spark.sql("SELECT DISTINCT program FROM event").collect()}

    def _prepare(self, name: str, duckdb_sql: str, params: dict[str, Any]) -> None:
        """The view *name* of a query's rows, computed once and kept by the executors (a
        local checkpoint: the metrics that read it plan a scan of it, not its query)."""
        frame = self.sql(duckdb_sql, params).localCheckpoint(eager=True)
        frame.createOrReplaceTempView(name)
        self._prepared.append(frame)

    def values(self, metric_ids: list[str], params: dict[str, Any]) -> dict[str, Any]:
        """Scalar metrics' values as :func:`engage_metrics.metrics.scalar` gives them. Their
        queries are sent side by side (a report's are small; each waits mostly on Spark's
        scheduling), so a report waits for the slowest, not for their sum."""
        def value(metric_id: str) -> Any:
            rows = self.sql(registry.get(metric_id).sql, params).collect()
            return plain(rows[0]["value"]) if rows else None

        with ThreadPoolExecutor(max_workers=4) as pool:
            return dict(zip(metric_ids, pool.map(value, metric_ids), strict=True))

    def table(self, metric_id: str, params: dict[str, Any]) -> pd.DataFrame:
        """A table metric's rows (a handful: the report's tables are per rung and tier)."""
        frame = self.sql(registry.get(metric_id).sql, params)
        rows = [[plain(v) for v in row] for row in frame.collect()]
        return pd.DataFrame(rows, columns=frame.columns)

    def prepare(self, params: dict[str, Any], kinds: set[str]) -> None:
        """The views metrics read (what depth_ready prepares in DuckDB): the window facts,
        the pairs of depth *kinds* and their depth, the window's people's depth."""
        for name in metrics.WINDOW_FACTS[:2]:          # window_program, window_person
            self._prepare(name, registry.facts_sql(name), params)
        self._prepare("depth_target", metrics.depth_targets(kinds), params)
        self._prepare("depth_at", metrics.depth_at(), params)
        self._prepare("window_depth", registry.facts_sql("window_depth"), params)

    def release(self) -> None:
        """Drop what :meth:`prepare` kept."""
        while self._prepared:
            self._prepared.pop().unpersist()

    def report(self, window: Window) -> dict[str, Any]:
        """The report of *window*: the same JSON-ready dict as metrics.report in DuckDB."""
        params = {**self.settings(), **window.params()}
        try:
            self.prepare(params, {k for k in map(metrics.depth_kind, REPORT_METRICS) if k})
            scalars = [m for m in REPORT_METRICS if registry.get(m).shape == "scalar"]
            values = self.values(scalars, params)
            return metrics.assemble_report(window, values.__getitem__,
                                           lambda m: self.table(m, params))
        finally:
            self.release()


def plain(value: Any) -> Any:
    """A Spark result value as the DuckDB path's Python value: decimals as floats (DuckDB's
    results come through pandas, which reads DECIMAL as float), NaN as None."""
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
