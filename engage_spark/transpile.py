"""The project's DuckDB SQL as Spark SQL: sqlglot, plus the few rewrites it needs.

The Spark path runs the same SQL files as the DuckDB path (the registry's metrics, the
window facts, depth.sql's formula), transpiled by sqlglot from DuckDB to Spark. Where
sqlglot's translation would give Spark other numbers, the difference is written here
and nowhere else, as a rewrite of the parsed query (:data:`REWRITES`); each one names
what it fixes, and tests/test_spark.py checks that each is still needed and that every
metric transpiles. Parameters stay bound: DuckDB's ``$start`` becomes Spark's named
parameter marker ``:start``, given to ``spark.sql(query, args=...)``.

Imports only sqlglot and the registry, so the main environment's tests check it too.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

READ = "duckdb"
WRITE = "spark"
# parameters bound to a list (DuckDB LIST, Spark ARRAY)
LIST_PARAMETERS = frozenset({"programs"})


def _list_length(node: exp.Expression) -> exp.Expression:
    """``len($programs)`` is a list's length in DuckDB; sqlglot reads ``len`` as a string's
    length and writes Spark's LENGTH, which refuses an array: Spark's SIZE."""
    if (isinstance(node, exp.Length) and isinstance(node.this, exp.Placeholder)
            and node.this.name in LIST_PARAMETERS):
        return exp.ArraySize(this=node.this.copy())
    return node


def _exact_median(node: exp.Expression) -> exp.Expression:
    """``percentile_cont(q) WITHIN GROUP (ORDER BY x)`` is exact in DuckDB; sqlglot writes
    Spark's PERCENTILE_APPROX, an approximation: Spark's exact PERCENTILE(x, q), which
    interpolates between the two middle values as percentile_cont does."""
    if not (isinstance(node, exp.WithinGroup) and isinstance(node.this, exp.PercentileCont)):
        return node
    order = node.expression
    [ordered] = order.expressions
    if ordered.args.get("desc"):
        raise ValueError("percentile_cont ordered descending is not rewritten")
    return exp.Anonymous(this="PERCENTILE",
                         expressions=[ordered.this.copy(), node.this.this.copy()])


def _range_table(node: exp.Expression) -> exp.Expression:
    """DuckDB's table function ``range(start, stop, step)`` (stop excluded); sqlglot writes
    an EXPLODE(SEQUENCE(...)) Spark cannot read in FROM: Spark's own table function
    ``range(start, stop, step)``, which also excludes stop."""
    series = node.this if isinstance(node, exp.Table) else None
    if not isinstance(series, exp.GenerateSeries) or not series.args.get("is_end_exclusive"):
        return node
    bounds = [series.args[k].copy() for k in ("start", "end", "step") if series.args.get(k)]
    table = node.copy()
    table.set("this", exp.Anonymous(this="range", expressions=bounds))
    return table


@dataclass(frozen=True)
class Rewrite:
    name: str
    apply: Callable[[exp.Expression], exp.Expression]


REWRITES = (Rewrite("list length", _list_length), Rewrite("exact median", _exact_median),
            Rewrite("range table", _range_table))


@dataclass(frozen=True)
class SparkQuery:
    """One query in Spark SQL and the names of the parameters it binds."""

    sql: str
    parameters: frozenset[str]

    def args(self, params: dict[str, object]) -> dict[str, object]:
        """The subset of *params* the query binds (all of them must be given)."""
        missing = sorted(self.parameters - params.keys())
        if missing:
            raise TypeError(f"the query needs parameters {missing}")
        return {name: params[name] for name in self.parameters}


@cache
def to_spark(sql: str, rewrites: tuple[Rewrite, ...] = REWRITES) -> SparkQuery:
    """*sql* (one DuckDB query of the project) as Spark SQL, with *rewrites* applied.
    A feature sqlglot cannot translate raises instead of passing through."""
    tree = sqlglot.parse_one(sql, read=READ)
    for rewrite in rewrites:
        tree = tree.transform(rewrite.apply)
    names = frozenset(p.name for p in tree.find_all(exp.Placeholder))
    text = tree.sql(dialect=WRITE, unsupported_level=ErrorLevel.RAISE, comments=False)
    return SparkQuery(text, names)
