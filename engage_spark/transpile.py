"""The project's DuckDB SQL as Spark SQL: sqlglot, plus the few rewrites it needs.

The Spark path runs the same SQL files as the DuckDB path (the registry's metrics, the
window facts, depth.sql's formula), transpiled by sqlglot from DuckDB to Spark. Where
sqlglot's translation would give Spark other numbers, the difference is written here
and nowhere else, as a rewrite of the parsed query (:data:`REWRITES`); each one names
what it fixes, and tests/test_spark.py checks that each is still needed and that every
metric transpiles. Parameters stay bound: DuckDB's ``$start`` becomes Spark's named
parameter marker ``:start``, given to ``spark.sql(query, args=...)``.

The resolve scripts (sql/resolve/*.sql, run statement by statement by
:mod:`engage_spark.script`) are parsed here too, with the import macros they call
(sql/import/macros.sql) expanded in place: Spark has no macros.

Imports only sqlglot and the engine's SQL files, so the main environment's tests check it
too.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import cast

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from engage_metrics import resolve

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


# ---------------------------------------------------------------- the resolve scripts

def _top_n_min(node: exp.Expression) -> exp.Expression:
    """DuckDB's top-n ``MIN(x, n)`` (a list of the n smallest, ascending; NULLs left out),
    also under ``FILTER (WHERE …)``, which Spark's MIN does not take: the first n of the
    sorted ``collect_list(x)`` (which leaves out NULLs too)."""
    where = None
    agg = node
    if isinstance(node, exp.Filter) and isinstance(node.this, exp.Min):
        agg, where = node.this, node.expression
    count = agg.args.get("count") if isinstance(agg, exp.Min) else None
    if count is None:
        return node
    collected: exp.Expression = exp.Anonymous(this="COLLECT_LIST",
                                              expressions=[agg.this.copy()])
    if where is not None:
        collected = exp.Filter(this=collected, expression=where.copy())
    return exp.Anonymous(this="SLICE", expressions=[
        exp.Anonymous(this="ARRAY_SORT", expressions=[collected]),
        exp.Literal.number(1), count.copy()])


def _list_index(node: exp.Expression) -> exp.Expression:
    """``list[i]`` is NULL in DuckDB past the list's end; Spark's ``list[i]`` raises under
    ANSI mode (Spark 4's default): ``try_element_at(list, i)``, 1-based as DuckDB's."""
    if not isinstance(node, exp.Bracket) or len(node.expressions) != 1:
        return node
    [index] = node.expressions     # sqlglot's, from 0 whatever the dialect
    first = (exp.Literal.number(int(index.name) + 1) if index.is_int
             else exp.Add(this=index.copy(), expression=exp.Literal.number(1)))
    return exp.Anonymous(this="TRY_ELEMENT_AT", expressions=[node.this.copy(), first])


# DuckDB's strip_accents (decompose, drop the marks) is Java's Normalizer NFD with the marks
# removed, which commons-lang3's StringUtils.stripAccents (on Spark's class path) does; that
# one also turns Ł ł into L l, which DuckDB keeps: they pass through it disguised.
_KEEP = ("Łł", "\ue000\ue001")


def _strip_accents(node: exp.Expression) -> exp.Expression:
    """``strip_accents(x)``: Spark has none; commons-lang3's, called by ``reflect``."""
    if not (isinstance(node, exp.Anonymous) and node.name.lower() == "strip_accents"):
        return node
    [value] = node.expressions
    hidden = exp.Anonymous(this="TRANSLATE", expressions=[
        value.copy(), exp.Literal.string(_KEEP[0]), exp.Literal.string(_KEEP[1])])
    stripped = exp.Anonymous(this="REFLECT", expressions=[
        exp.Literal.string("org.apache.commons.lang3.StringUtils"),
        exp.Literal.string("stripAccents"), hidden])
    return exp.Anonymous(this="TRANSLATE", expressions=[
        stripped, exp.Literal.string(_KEEP[1]), exp.Literal.string(_KEEP[0])])


# what the resolve scripts (sql/resolve/*.sql) need beyond the metrics' rewrites
SCRIPT_REWRITES = (Rewrite("top-n min", _top_n_min), Rewrite("list index", _list_index),
                   Rewrite("strip accents", _strip_accents))


def spark_sql(tree: exp.Expression, rewrites: tuple[Rewrite, ...] = REWRITES + SCRIPT_REWRITES
              ) -> str:
    """A parsed DuckDB expression or query (macros already expanded) as Spark SQL."""
    for rewrite in rewrites:
        tree = tree.transform(rewrite.apply)
    return tree.sql(dialect=WRITE, unsupported_level=ErrorLevel.RAISE, comments=False)


# ---------------------------------------------------------------- macros

MACRO = re.compile(r"CREATE OR REPLACE TEMP MACRO\s+(\w+)\(([^)]*)\)\s+AS\s+", re.I)
# a macro's ';' ends its line (a ';' inside a comment or a string does not)
STATEMENT_END = re.compile(r";[ \t]*\n")


@cache
def _macro_texts() -> dict[str, tuple[list[str], str]]:
    """Each macro of sql/import/macros.sql: its parameters and its body's text."""
    text = resolve.sql_text("import/macros.sql")
    found = list(MACRO.finditer(text))
    out = {}
    for m, after in zip(found, [*found[1:], None], strict=True):
        body = text[m.end():after.start() if after else len(text)]
        body = STATEMENT_END.split(body + "\n", maxsplit=1)[0]   # the comments after it not
        out[m.group(1).lower()] = ([p.strip() for p in m.group(2).split(",") if p.strip()],
                                   body)
    return out


@cache
def _macro(name: str) -> tuple[list[str], exp.Expression]:
    params, body = _macro_texts()[name]
    [expression] = cast(exp.Select, sqlglot.parse_one(f"SELECT {body}", read="duckdb")).expressions
    return params, expression


def expand_macros(tree: exp.Expression) -> exp.Expression:
    """*tree* with every call of an import macro replaced by the macro's body, its
    parameters by the call's arguments (until no call is left: macros call macros)."""
    macros = _macro_texts()

    def expand(node: exp.Expression) -> exp.Expression:
        if not (isinstance(node, exp.Anonymous) and node.name.lower() in macros):
            return node
        params, body = _macro(node.name.lower())
        args = dict(zip(params, node.expressions, strict=True))

        def bind(n: exp.Expression) -> exp.Expression:
            if isinstance(n, exp.Column) and not n.table and n.name in args:
                return exp.Paren(this=args[n.name].copy())
            return n
        return exp.Paren(this=expand_macros(body.copy().transform(bind)))

    return tree.transform(expand)


@cache
def statements(name: str) -> tuple[exp.Expression, ...]:
    """The statements of the script sql/*name*, parsed, macros expanded."""
    return tuple(expand_macros(cast(exp.Expression, s))
                 for s in sqlglot.parse(resolve.sql_text(name), read="duckdb") if s is not None)
