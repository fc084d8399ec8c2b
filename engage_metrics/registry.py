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

The dashboard (KPI help, Definitions page), the CLI (`report`, `definitions`), the
board pack and the docs all read this registry; nothing else declares a metric.
Queries use bound parameters only ($start, $end, $programs, $asof, ...). The registry
is data only: :mod:`engage_metrics.metrics` runs the queries.

What many queries repeat (the months of the window, "attended in the selected programs
in the window", the lapse rule) is written once, in ``sql/fragments/<name>.sql``, and
included where it is used as ``{{ name }}`` or ``{{ name(argument, ...) }}``; the
registry pastes it in when it reads a file (:func:`paste_fragments`), so ``Metric.sql``
and :func:`facts_sql` are each one complete, portable query.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

SQL_DIR = Path(__file__).with_name("sql")
METRICS_DIR = SQL_DIR / "metrics"
FACTS_DIR = SQL_DIR / "facts"
FRAGMENTS_DIR = SQL_DIR / "fragments"
MODELS_DIR = SQL_DIR / "models"
UNITS = {"count", "ratio", "hours", "score", "currency", "days", "table"}
SHAPES = {"scalar", "table"}
_HEADER = re.compile(r"^--\s*([a-z_]+):\s?(.*)$")
# an include of a fragment: {{ name }} or {{ name(argument, ...) }}
_INCLUDE = re.compile(r"\{\{\s*(\w+)\s*(?:\((.*?)\))?\s*\}\}")


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


def _split_header(path: Path) -> tuple[dict[str, str], str]:
    """The ``-- key: value`` header of a SQL file (continuation lines start with ``--  ``;
    other comment lines before the query are skipped) and the query after it."""
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
    return meta, "\n".join(body).strip()


def _names(text: str) -> tuple[str, ...]:
    """The comma-separated names of a header value."""
    return tuple(n.strip() for n in text.split(",") if n.strip())


def parse_metric_file(path: Path) -> Metric:
    meta, body = _split_header(path)
    missing = {"id", "label", "unit", "room", "shape", "definition"} - meta.keys()
    if missing:
        raise ValueError(f"{path.name}: header lacks {sorted(missing)}")
    if meta["id"] != path.stem:
        raise ValueError(f"{path.name}: id {meta['id']!r} must equal the file name")
    if meta["unit"] not in UNITS or meta["shape"] not in SHAPES:
        raise ValueError(f"{path.name}: bad unit or shape")
    return Metric(
        id=meta["id"], label=meta["label"], unit=meta["unit"], room=meta["room"],
        shape=meta["shape"], definition=meta["definition"],
        formula=meta.get("formula", ""), params=_names(meta.get("params", "")),
        sql=paste_fragments(body, path.name),
    )


@dataclass(frozen=True)
class Fragment:
    """A piece of SQL many queries share, written once in ``sql/fragments/<name>.sql``."""

    name: str
    args: tuple[str, ...]   # the ``-- args:`` header: names the body uses as {{ name }}
    sql: str


@cache
def fragments() -> dict[str, Fragment]:
    """Every fragment, by name."""
    found = {}
    for path in sorted(FRAGMENTS_DIR.glob("*.sql")):
        meta, body = _split_header(path)
        args = _names(meta.get("args", ""))
        unknown = {m.group(1) for m in _INCLUDE.finditer(body)} - set(args)
        if unknown:
            raise ValueError(f"{path.name}: {sorted(unknown)} are not among its args")
        found[path.stem] = Fragment(path.stem, args, body)
    return found


def paste_fragments(sql: str, source: str) -> str:
    """*sql* with each include ``{{ name }}`` or ``{{ name(argument, ...) }}`` replaced by
    the fragment *name*, its ``{{ arg }}`` replaced by the arguments given (separated by
    the commas outside parentheses). The fragment's later lines take the include line's
    indentation. Pasting happens when a file is parsed, so what runs (and what the
    portability test checks) is one complete query; an unknown fragment or a wrong
    number of arguments is an error there, naming *source*."""
    def paste(include: re.Match[str]) -> str:
        name, given = include.group(1), include.group(2)
        fragment = fragments().get(name)
        if fragment is None:
            raise ValueError(f"{source}: unknown fragment {name!r} in {include.group(0)}")
        values = _arguments(given) if given else []
        if len(values) != len(fragment.args):
            raise ValueError(f"{source}: {include.group(0)} needs arguments {fragment.args}")
        value = dict(zip(fragment.args, values, strict=True))
        text = _INCLUDE.sub(lambda arg: value[arg.group(1)], fragment.sql)
        line = sql[sql.rfind("\n", 0, include.start()) + 1:]
        indent = line[:len(line) - len(line.lstrip(" "))]
        return text.replace("\n", "\n" + indent)

    return _INCLUDE.sub(paste, sql)


def _arguments(text: str) -> list[str]:
    """An include's arguments: *text* split at the commas outside parentheses, however
    deeply nested (``COALESCE(a, CAST(b AS DATE)), x`` is two arguments)."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    return [*parts, text[start:].strip()]


@cache
def facts_sql(name: str) -> str:
    """The window facts query ``sql/facts/<name>.sql``, its fragments pasted in."""
    path = FACTS_DIR / f"{name}.sql"
    return paste_fragments(path.read_text(), path.name)


@cache
def metrics() -> dict[str, Metric]:
    """All metrics, by id, in file-name order."""
    return {p.stem: parse_metric_file(p) for p in sorted(METRICS_DIR.glob("*.sql"))}


@dataclass(frozen=True)
class Model:
    """A prediction (a score learned from the organization's own history), declared like a
    metric: ``sql/models/<id>.sql`` opens with its header (id, label, unit, room, params,
    definition, formula, and what a metric has not: the features, the backtest and the
    fallback) and holds the query that builds the model's features in SQL. The dashboard
    (Definitions page), the CLI and docs/metrics.md read it here;
    :mod:`engage_metrics.predict` fits and scores it."""

    id: str
    label: str
    unit: str
    room: str
    definition: str
    formula: str
    features: str
    backtest: str
    fallback: str
    params: tuple[str, ...]
    sql: str = field(repr=False)

    def format(self, value: Any) -> str:
        return format_value(value, self.unit)


def parse_model_file(path: Path) -> Model:
    meta, body = _split_header(path)
    missing = {"id", "label", "unit", "room", "definition", "features", "backtest",
               "fallback"} - meta.keys()
    if missing:
        raise ValueError(f"{path.name}: header lacks {sorted(missing)}")
    if meta["id"] != path.stem:
        raise ValueError(f"{path.name}: id {meta['id']!r} must equal the file name")
    if meta["unit"] not in UNITS:
        raise ValueError(f"{path.name}: bad unit")
    return Model(
        id=meta["id"], label=meta["label"], unit=meta["unit"], room=meta["room"],
        definition=meta["definition"], formula=meta.get("formula", ""),
        features=meta["features"], backtest=meta["backtest"], fallback=meta["fallback"],
        params=_names(meta.get("params", "")), sql=paste_fragments(body, path.name),
    )


@cache
def models() -> dict[str, Model]:
    """All prediction models, by id, in file-name order."""
    return {p.stem: parse_model_file(p) for p in sorted(MODELS_DIR.glob("*.sql"))}


def get(metric_id: str) -> Metric:
    try:
        return metrics()[metric_id]
    except KeyError:
        raise KeyError(f"unknown metric {metric_id!r}") from None

