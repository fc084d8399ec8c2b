"""Running the registered metrics for a window, and the headline report.

Every number comes from the SQL files in ``sql/metrics`` (see :mod:`registry`).
The relationship-depth formula is written once, in ``depth.sql``; metrics that
need depth on other dates (the window's end, each month's end, each ask's date)
read the temporary table ``depth_at``, which :func:`depth_ready` fills by running
that same formula over the (person, date) pairs they need. A metric says which
pairs with a ``-- depth_at: <kind>`` header line.
"""
from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import duckdb
import pandas as pd

from engage_metrics import config, faults, registry
from engage_metrics.config import RUNG_NAMES, TIERS, depth_config
from engage_metrics.rows import insert_rows

QUADRANTS = {
    (True, False): "All task (transactional)",
    (False, True): "All relationship",
    (True, True): "Engaged (balanced)",
    (False, False): "Dormant",
}

# (person, as-of date) pairs each kind of depth-reading metric needs scored.
# Supersets are harmless: readers join on (person_id, d).
DEPTH_TARGETS = {
    # everyone who attended before $asof, scored at $asof
    "asof": """
        SELECT person_id, CAST($asof AS DATE) AS d
        FROM person_fact
        WHERE first_attended < CAST($asof AS DATE)""",
    # everyone who attended in [start, end) (any program), scored at end
    "window_end": """
        SELECT DISTINCT p.person_id, CAST($end AS DATE) AS d
        FROM participation p JOIN event e ON e.event_id = p.event_id
        WHERE p.status = 'attended'
          AND e.event_date >= CAST($start AS DATE) AND e.event_date < CAST($end AS DATE)""",
    # everyone who attended in a month of the window, scored at that month's end (capped at end)
    "months": """
        SELECT DISTINCT p.person_id,
               LEAST(CAST(date_trunc('month', e.event_date) + INTERVAL 1 MONTH AS DATE),
                     CAST($end AS DATE)) AS d
        FROM participation p JOIN event e ON e.event_id = p.event_id
        WHERE p.status = 'attended'
          AND e.event_date >= CAST($start AS DATE) AND e.event_date < CAST($end AS DATE)""",
    # everyone asked in the window, scored on the day of the ask
    "asks": """
        SELECT DISTINCT person_id, ask_date AS d
        FROM ask
        WHERE ask_date >= CAST($start AS DATE) AND ask_date < CAST($end AS DATE)""",
}
DEPTH_COLUMNS = ("person_id, d, tenure, frequency, recency, breadth, ties, touches, ties_count, "
                 "score, tier")
_FORMULA = re.compile(r"-- depth formula begin.*?(?=-- depth formula end)", re.S)
_DEPTH_KIND = re.compile(r"^--\s*depth_at:\s*(\w+)\s*$", re.M)
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


@dataclass(frozen=True)
class Window:
    """A reporting period [start, end) on event dates, optionally limited to programs."""

    start: dt.date
    end: dt.date
    programs: tuple[str, ...] = ()

    def params(self) -> dict[str, Any]:
        """The bound parameters every window metric takes."""
        return {"start": self.start, "end": self.end, "programs": list(self.programs)}

    def previous(self) -> Window:
        """The equally long period just before, for "change since the previous period"."""
        length = self.end - self.start
        return Window(self.start - length, self.start, self.programs)

    @classmethod
    def default(cls, con: duckdb.DuckDBPyConnection) -> Window:
        """The last 12 months of data: up to the latest event date (today when empty)."""
        with faults.reading(con):
            row = con.execute("SELECT MAX(event_date) FROM event").fetchone()
        return cls.last_year_to(row[0] if row else None)

    @classmethod
    def last_year_to(cls, last: dt.date | None) -> Window:
        """The 12 months up to the date *last* (today when None), *last* included."""
        last = last if last is not None else dt.date.today()
        end = last + dt.timedelta(days=1)
        try:
            start = end.replace(year=end.year - 1)
        except ValueError:  # 29 February
            start = end.replace(year=end.year - 1, day=28)
        return cls(start, end)


def quarters_back(end: dt.date, count: int) -> list[Window]:
    """The *count* calendar quarters up to *end* (the last one cut at *end*), oldest first:
    the points of the spectrum trajectory (dashboard and board pack)."""
    first = dt.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
    if first == end:
        first = _months_before(first, 3)
    starts = [_months_before(first, 3 * i) for i in range(count - 1, -1, -1)]
    return [Window(s, e) for s, e in zip(starts, [*starts[1:], end], strict=True)]


def _months_before(d: dt.date, months: int) -> dt.date:
    m = d.year * 12 + d.month - 1 - months
    return dt.date(m // 12, m % 12 + 1, 1)


def quadrant(task_share: float | None, strength: float | None) -> str | None:
    """Where (task share, relationship strength) sits on the spectrum chart, split at 0.5."""
    if task_share is None or strength is None:
        return None
    return QUADRANTS[(task_share >= 0.5, strength >= 0.5)]


def depth_kind(metric_id: str) -> str | None:
    """Which (person, date) pairs a metric reads from ``depth_at`` (None: it reads no depth)."""
    text = (registry.METRICS_DIR / f"{metric_id}.sql").read_text()
    m = _DEPTH_KIND.search(text)
    return m.group(1) if m else None


def depth_formula() -> str:
    """The CTEs of depth.sql that compute depth from a ``depth_target(person_id, d)`` relation."""
    m = _FORMULA.search(registry.get("depth").sql)
    if m is None:
        raise RuntimeError("depth.sql lacks its 'depth formula begin/end' markers")
    return m.group(0)


def depth_targets(kinds: Iterable[str]) -> str:
    """The query of the (person_id, d) pairs that the metrics reading *kinds* need scored."""
    return " UNION ".join(f"({DEPTH_TARGETS[k].strip()})" for k in sorted(kinds))


def depth_at() -> str:
    """The query of depth_at: depth.sql's formula over the pairs of ``depth_target``."""
    return f"WITH {depth_formula()}\nSELECT {DEPTH_COLUMNS} FROM depth_tiered"


def _bind(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """The subset of *params* that *sql* uses (DuckDB rejects unused parameters)."""
    return {name: params[name] for name in set(_PARAM.findall(sql))}


def prepare_window(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> bool:
    """Make window_program (per person and program, all programs) and window_person (per
    person, the selected programs) hold the window facts of [start, end) — see
    sql/facts. window_program is kept per process like depth, so the org-wide report
    and every program's share its scan of the participations.

    For a snapshot window and all programs or one program, window_person and window_depth
    are views of their snapshots (see :func:`refresh_window_snapshot`); returns True then.
    *params* may carry depth settings and the lapse threshold (else the stored ones): the
    snapshots are served only for the settings they were computed with."""
    params = {**config.metric_params(con), **params}
    sql = registry.facts_sql("window_program")
    bound = _bind(sql, params)      # start, end, lapse_days
    if (len(params["programs"]) <= 1 and _window_snapshot_serves(con, bound)
            and _person_snapshot_serves(con, params)):
        _serve_window_program(con, params["end"])
        _serve_window_person(con, params["programs"])
        return True
    key = _cache_key(con, "window_program", tuple(sorted((k, str(v)) for k, v in bound.items())))
    cached = _CACHE.get(key)
    if cached is not None:
        con.register("window_program", cached)
    elif _window_snapshot_serves(con, bound):
        _serve_window_program(con, bound["end"])
    else:
        con.execute(f"CREATE OR REPLACE TEMP TABLE window_program AS {sql}", bound)
        if key is not None:
            _CACHE.put(key, con.sql("SELECT * FROM window_program").to_arrow_table())
    sql = registry.facts_sql("window_person")
    con.execute(f"CREATE OR REPLACE TEMP TABLE window_person AS {sql}", _bind(sql, params))
    return False


def _serve_window_program(con: duckdb.DuckDBPyConnection, end: Any,
                          people: str | None = None) -> None:
    """window_program: a view of the window snapshot's rows of the window ending at *end*
    (of the people of temp table *people* only, when given: a partial write's input)."""
    con.execute("SET VARIABLE engage_window_end = CAST($end AS DATE)", {"end": end})
    con.execute("CREATE OR REPLACE TEMP VIEW window_program AS "  # noqa: S608 - fixed names
                "SELECT * EXCLUDE (window_end) FROM window_snapshot "
                f"WHERE window_end = getvariable('engage_window_end'){_of_people(people, 'AND')}")


def _serve_window_person(con: duckdb.DuckDBPyConnection, programs: Iterable[str]) -> None:
    """window_person and window_depth: views of their snapshots' rows of the window that
    _serve_window_program set and the selection *programs* (none or one)."""
    con.execute("SET VARIABLE engage_selection = $s", {"s": _selection_key(programs)})
    for name in ("window_person", "window_depth"):
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS "  # noqa: S608 - fixed names
                    f"SELECT * EXCLUDE (window_end, selection) FROM {name}_snapshot "
                    "WHERE window_end = getvariable('engage_window_end') "
                    "AND selection = getvariable('engage_selection')")


def _selection_key(programs: Iterable[str]) -> str:
    """The snapshots' key of a program selection: '[]' for all programs, '["Field"]'."""
    return json.dumps(sorted(programs))


def prepare_depth(con: duckdb.DuckDBPyConnection, kinds: Iterable[str],
                  params: dict[str, Any]) -> None:
    """Make depth_at hold the depth of the pairs of *kinds*, by depth.sql's formula.

    Depth is the costliest computation (ties are pairs of people). When every pair is
    someone who attended before the depth snapshot's date, scored at that date (the
    default window's end), and the snapshot is current, depth_at is the snapshot itself:
    a superset of the pairs, which metrics join on their own people (see
    :func:`refresh_depth_snapshot`). Other results are kept per process, keyed on the
    database file, its data version (bumped by every import, undo and settings change),
    the target pairs and the depth settings, so windows that share an end date (the org
    and each program, the dashboard's reruns) compute it once.
    """
    kinds = set(kinds)
    if _depth_snapshot_serves(con, kinds, params):
        con.execute("CREATE OR REPLACE TEMP VIEW depth_at AS SELECT * FROM depth_snapshot")
        return
    targets = depth_targets(kinds)
    target_params = _bind(targets, params)
    depth_settings = tuple(sorted((k, v) for k, v in params.items()
                                  if k not in target_params and not isinstance(v, list)))
    key = _cache_key(con, targets, tuple(sorted((k, str(v)) for k, v in target_params.items())),
                     depth_settings)
    cached = _CACHE.get(key)
    if cached is not None:
        con.register("depth_at", cached)
        return
    con.execute(f"CREATE OR REPLACE TEMP TABLE depth_target AS {targets}", target_params)
    sql = f"CREATE OR REPLACE TEMP TABLE depth_at AS {depth_at()}"
    con.execute(sql, _bind(sql, params))
    if key is not None:
        _CACHE.put(key, con.sql("SELECT * FROM depth_at").to_arrow_table())


# kinds whose pairs are (someone who attended before d, d) for one date d, the parameter
# named here: the depth snapshot holds every such pair of each of its dates
_SNAPSHOT_KINDS = {"asof": "asof", "window_end": "end"}


def snapshot_windows(con: duckdb.DuckDBPyConnection) -> list[Window]:
    """The windows the store's snapshots hold: the default window (the last 12 months)
    and the one before it (the dashboard's "change since the previous period")."""
    if not _has_events(con):
        return []
    default = Window.default(con)
    return [default.previous(), default]


def _depth_snapshot_serves(con: duckdb.DuckDBPyConnection, kinds: set[str],
                           params: dict[str, Any]) -> bool:
    """True when every pair of *kinds* is in the depth snapshot and the snapshot is
    current (one of its dates, the same depth settings, the same data)."""
    if not kinds or not kinds <= _SNAPSHOT_KINDS.keys():
        return False
    dates = {params[_SNAPSHOT_KINDS[k]] for k in kinds}
    if len(dates) != 1:
        return False
    return _holds(con, "depth_snapshot", "dates", str(dates.pop()),
                  lambda stored: _depth_stamp(con, stored, params))


def _window_snapshot_serves(con: duckdb.DuckDBPyConnection, bound: dict[str, Any]) -> bool:
    """True when the window snapshot holds the window of *bound* (window_program.sql's
    start and end) and is current (the same query, lapse threshold and data)."""
    return _holds(con, "window_snapshot", "windows",
                  [str(bound.get("start")), str(bound.get("end"))],
                  lambda stored: _window_stamp(con, stored, bound["lapse_days"]))


def _person_snapshot_serves(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> bool:
    """True when the window_person and window_depth snapshots hold the window of *params*
    and are current (the same queries, depth settings, lapse threshold and data)."""
    return _holds(con, "window_person_snapshot", "windows",
                  [str(params.get("start")), str(params.get("end"))],
                  lambda stored: _person_stamp(con, stored, params))


def _holds(con: duckdb.DuckDBPyConnection, snapshot: str, field: str, item: Any,
           stamp: Callable[[list[Any]], str]) -> bool:
    """True when *snapshot*'s stamp lists *item* under *field* (its dates or windows) and
    equals *stamp* of those, computed now (the snapshot is current)."""
    stored = _stored_stamp(con, snapshot)
    return (stored is not None and item in stored.get(field, [])
            and stamp(stored[field]) == stored["stamp"])


def _stamp(con: duckdb.DuckDBPyConnection, **what: Any) -> str:
    """What a snapshot depends on: *what* (its dates or windows, its settings) and the row
    counts (a guard against writes that bypass the importer)."""
    counts = con.execute("SELECT (SELECT COUNT(*) FROM participation), "
                         "(SELECT COUNT(*) FROM event), (SELECT COUNT(*) FROM person_fact)"
                         ).fetchall()[0]
    return json.dumps({**what, "rows": list(counts)}, sort_keys=True, default=str)


def _stored_stamp(con: duckdb.DuckDBPyConnection, snapshot: str) -> dict[str, Any] | None:
    """The stamp a snapshot was written with, parsed, plus its text under "stamp" (None
    for a store from before the snapshot existed, or opened read-only before its
    migration)."""
    try:
        row = con.execute("SELECT value FROM meta WHERE key = $k", {"k": snapshot}).fetchall()
    except duckdb.CatalogException:
        return None
    if not row:
        return None
    try:
        return {**json.loads(row[0][0]), "stamp": row[0][0]}
    except (ValueError, TypeError):
        return None


def _depth_stamp(con: duckdb.DuckDBPyConnection, dates: list[Any],
                 params: dict[str, Any]) -> str:
    """What a depth snapshot depends on: its dates, the depth formula and settings, and the
    row counts."""
    return _stamp(con, dates=[str(d) for d in dates], sql=_sha256(depth_formula()),
                  depth={k: params[k] for k in depth_config(con).params()})


def _window_stamp(con: duckdb.DuckDBPyConnection, windows: list[list[Any]],
                  lapse_days: int) -> str:
    """What a window snapshot depends on: its windows, the query, the lapse threshold
    (`recent`) and the row counts."""
    return _stamp(con, windows=[[str(d) for d in w] for w in windows], lapse_days=lapse_days,
                  sql=_sha256(registry.facts_sql("window_program")))


# above this share of the snapshot's people touched, update_snapshots writes every row (a
# partial write deletes and inserts the same rows and costs more than writing them all)
PARTIAL_SHARE = 0.5
# the temp tables of people a partial write of the snapshots is limited to
_PEOPLE_TABLES = ("fact_person", "depth_person", "window_move")


def _of_people(people: str | None, word: str = "WHERE") -> str:
    """The condition limiting rows to the people of temp table *people* (one of the fixed
    _PEOPLE_TABLES); none when *people* is None."""
    if people is None:
        return ""
    if people not in _PEOPLE_TABLES:
        raise ValueError(f"unknown people table {people!r}")
    return f" {word} person_id IN (SELECT person_id FROM {people})"  # noqa: S608 - fixed names


@cache
def _sql_text(name: str) -> str:
    return (registry.SQL_DIR / name).read_text()


def _sha256(text: str) -> str:
    """The hash of a query a snapshot was computed by (a changed query is not served)."""
    return hashlib.sha256(text.encode()).hexdigest()


def _person_stamp(con: duckdb.DuckDBPyConnection, windows: list[list[Any]],
                  params: dict[str, Any]) -> str:
    """What the window_person and window_depth snapshots depend on: their windows, the
    window facts' queries and the depth formula, the depth settings and the lapse threshold
    (of *params*, else the stored ones) and the row counts."""
    settings = {k: params.get(k, v) for k, v in config.metric_params(con).items()}
    return _stamp(con, windows=[[str(d) for d in w] for w in windows], settings=settings,
                  sql=_sha256("".join(map(registry.facts_sql, WINDOW_FACTS)) + depth_formula()))


def refresh_window_snapshot(con: duckdb.DuckDBPyConnection) -> None:
    """Compute the window facts of :func:`snapshot_windows` into window_snapshot, then
    window_person and window_depth (:func:`refresh_window_person_snapshot`). Runs inside
    the caller's transaction (import, undo, merge, ladder or classification change, a new
    lapse threshold), after the depth snapshot."""
    con.execute("DELETE FROM window_snapshot")
    windows = snapshot_windows(con)
    _write_window_snapshot(con, windows)
    refresh_window_person_snapshot(con)


def _write_window_snapshot(con: duckdb.DuckDBPyConnection, windows: list[Window],
                           people: str | None = None) -> None:
    """Insert the window facts of *windows* (of the people of temp table *people* only,
    when given) and stamp the snapshot."""
    sql = registry.facts_sql("window_program")
    lapse_days = config.lapse_days(con)
    only = _of_people(people)
    for w in windows:
        con.execute(f"INSERT INTO window_snapshot SELECT CAST($end AS DATE), * "  # noqa: S608
                    f"FROM ({sql}){only} ORDER BY program",
                    _bind(sql, {**w.params(), "lapse_days": lapse_days}))
    con.execute("INSERT OR REPLACE INTO meta VALUES ('window_snapshot', $stamp)",
                {"stamp": _window_stamp(con, [[w.start, w.end] for w in windows], lapse_days)})


def refresh_window_person_snapshot(con: duckdb.DuckDBPyConnection,
                                   people: str | None = None,
                                   names: tuple[str, ...] = ("window_person", "window_depth")
                                   ) -> None:
    """Store window_person and window_depth (sql/facts) of each window of
    :func:`snapshot_windows`, for all programs and for each program alone: the
    selections of the Overview and the per-program report, which then read views instead
    of joining a window's people with their history and depth. Computed by the same
    queries, from the window and depth snapshots (both current: refreshed before, in the
    caller's transaction — also after a change of the depth settings). *people*: a temp
    table of the only people whose rows are written again (the others' are kept); *names*:
    the snapshots written (window_depth reads window_person's snapshot, current by then)."""
    only = _of_people(people)
    for name in names:
        con.execute(f"DELETE FROM {name}_snapshot{only}")  # noqa: S608 - fixed names
    windows = snapshot_windows(con)
    con.execute("CREATE OR REPLACE TEMP VIEW depth_at AS SELECT * FROM depth_snapshot")
    for w in windows:
        _serve_window_program(con, w.end)
        selections = _selections(con)
        if people is not None:  # a person's rows read only their own window facts
            _serve_window_program(con, w.end, people)
        for selection in selections:
            params = {**w.params(), "programs": selection}
            _serve_window_person(con, selection)   # the rows inserted next
            for name in names:
                sql = registry.facts_sql(name)
                con.execute(f"INSERT INTO {name}_snapshot BY NAME "  # noqa: S608
                            f"SELECT CAST($end AS DATE) AS window_end, $selection AS selection, "
                            f"* FROM ({sql}){only}",
                            {**_bind(sql, params), "end": w.end,
                             "selection": _selection_key(selection)})
    for name in ("window_program", "window_person", "window_depth", "depth_at"):
        con.execute(f"DROP VIEW IF EXISTS {name}")  # noqa: S608 - fixed names
    con.execute("INSERT OR REPLACE INTO meta VALUES ('window_person_snapshot', $stamp)",
                {"stamp": _person_stamp(con, [[w.start, w.end] for w in windows], {})})


def _selections(con: duckdb.DuckDBPyConnection) -> list[list[str]]:
    """The program selections stored for the window window_program serves: all programs,
    and each program with a row in it alone."""
    programs = [r[0] for r in con.execute(
        "SELECT DISTINCT program FROM window_program ORDER BY program").fetchall()]
    return [[]] + [[p] for p in programs]


def update_snapshots(con: duckdb.DuckDBPyConnection) -> None:
    """After an incremental change (resolve.update; temp table fact_person holds the people
    whose participations changed, scope_event the events whose rows did): when the
    snapshots hold the windows, settings and program selections they would hold now, write
    again only the rows of the people whose numbers can have changed — fact_person, and for
    depth also everyone who attended, in the days ties look back on, an event that gained
    or lost an attended participation (resolve/depth_person.sql; ties count co-attendance).
    When only the windows moved (the newest event date changed), move each snapshot window
    to the new one of its rank (:func:`_move_snapshots`). Otherwise (a setting or query
    changed; a program appeared or went takes window_person whole) compute them again
    whole. Either way the result is what refresh_depth_snapshot and
    refresh_window_snapshot give (tests/test_incremental.py)."""
    windows = snapshot_windows(con)
    dates = [w.end for w in windows]
    params = depth_config(con).params()
    lapse_days = config.lapse_days(con)
    spans = [[w.start, w.end] for w in windows]
    stamps = {"depth_snapshot": (_depth_stamp(con, dates, params), "dates"),
              "window_snapshot": (_window_stamp(con, spans, lapse_days), "windows"),
              "window_person_snapshot": (_person_stamp(con, spans, {}), "windows")}
    if not (dates and all(_same_but_rows(con, k, v) for k, (v, _) in stamps.items())):
        if dates and all(_same_but_rows(con, k, v, f) for k, (v, f) in stamps.items()):
            _move_snapshots(con, windows, params)   # only the windows moved
        else:
            refresh_depth_snapshot(con)
            refresh_window_snapshot(con)
        return
    lookback = dt.timedelta(days=int(params["lookback_days"]))
    con.execute(_sql_text("resolve/depth_person.sql"),
                {"first": min(dates) - lookback, "last": max(dates)})
    touched, scored = con.execute(
        "SELECT (SELECT COUNT(*) FROM depth_person), "
        "(SELECT COUNT(DISTINCT person_id) FROM depth_snapshot)").fetchall()[0]
    if touched > PARTIAL_SHARE * scored:    # most rows change: writing them all is cheaper
        con.execute("DROP TABLE depth_person")
        refresh_depth_snapshot(con)
        refresh_window_snapshot(con)
        return
    _write_depth_snapshot(con, dates, params, "depth_person")
    con.execute("DELETE FROM window_snapshot "
                "WHERE person_id IN (SELECT person_id FROM fact_person)")
    _write_window_snapshot(con, windows, "fact_person")
    if not _same_selections(con, windows):  # a program entered or left a window
        refresh_window_person_snapshot(con)
    else:
        refresh_window_person_snapshot(con, "depth_person")   # fact_person is within it
    con.execute("DROP TABLE depth_person")


def _same_selections(con: duckdb.DuckDBPyConnection, windows: list[Window]) -> bool:
    """True when window_person_snapshot holds the program selections of *windows* that
    window_snapshot (current) gives: none entered or left."""
    stored = {r for r in con.execute(
        "SELECT DISTINCT window_end, selection FROM window_person_snapshot").fetchall()}
    wanted = set()
    for w in windows:
        _serve_window_program(con, w.end)
        wanted |= {(w.end, _selection_key(s)) for s in _selections(con)}
    con.execute("DROP VIEW IF EXISTS window_program")
    return stored == wanted


def _move_snapshots(con: duckdb.DuckDBPyConnection, windows: list[Window],
                    params: dict[str, Any]) -> None:
    """After a change that moved the snapshot windows (an import after the newest event, or
    its undo; settings and queries the same): each window replaces the stored one of the
    same rank (the one before the default, the default), and only what the move and the
    change can alter is computed again — see _move_depth_snapshot and
    _move_window_snapshots. Where most people's rows would change anyway, or the stored
    snapshots disagree on their windows, those are computed whole instead."""
    depth = _stored_stamp(con, "depth_snapshot") or {}
    old_dates = sorted(dt.date.fromisoformat(d) for d in depth.get("dates", []))
    new_dates = sorted(w.end for w in windows)
    if len(old_dates) != len(new_dates) or not _move_depth_snapshot(
            con, old_dates, new_dates, params):
        refresh_depth_snapshot(con)
    facts = _stored_stamp(con, "window_snapshot") or {}
    person = _stored_stamp(con, "window_person_snapshot") or {}
    old = [(dt.date.fromisoformat(a), dt.date.fromisoformat(b))
           for a, b in facts.get("windows", [])]
    if (facts.get("windows") != person.get("windows") or len(old) != len(windows)
            or not _move_window_snapshots(con, old, windows)):
        refresh_window_snapshot(con)


def _move_window_snapshots(con: duckdb.DuckDBPyConnection, old: list[tuple[dt.date, dt.date]],
                           windows: list[Window]) -> bool:
    """Move window_snapshot and window_person_snapshot from the *old* windows ([start, end)
    pairs) to *windows*, rank for rank: the rows of the people resolve/window_move.sql
    names (the change's, and those with a participation in the days that enter or leave a
    window, or cross its lapse threshold) are computed again, the others' rows only take
    their window's new end. window_depth_snapshot is computed again whole (depth at the new
    ends moved for everyone). False (nothing written) when most people's rows change."""
    lapse = config.lapse_days(con)
    con.execute("CREATE OR REPLACE TEMP TABLE window_move (person_id INTEGER)")
    con.execute("CREATE OR REPLACE TEMP TABLE window_moved_end (was DATE, d DATE)")
    for (start, end), w in zip(old, windows, strict=True):
        con.execute(_sql_text("resolve/window_move.sql"),
                    {"s_lo": min(start, w.start), "s_hi": max(start, w.start),
                     "e_lo": min(end, w.end), "e_hi": max(end, w.end), "lapse_days": lapse})
        con.execute("INSERT INTO window_moved_end VALUES ($was, $d)", {"was": end, "d": w.end})
    touched, stored = con.execute(
        "SELECT (SELECT COUNT(DISTINCT person_id) FROM window_move), "
        "(SELECT COUNT(DISTINCT person_id) FROM window_snapshot)").fetchall()[0]
    if touched > PARTIAL_SHARE * stored:
        for t in ("window_move", "window_moved_end"):
            con.execute(f"DROP TABLE {t}")  # noqa: S608 - fixed temp table names
        return False
    for name in ("window_snapshot", "window_person_snapshot"):
        con.execute(f"DELETE FROM {name}{_of_people('window_move')}")  # noqa: S608
        # one statement: each row's end is read before any is written (ends may swap)
        con.execute(f"UPDATE {name} SET window_end = m.d FROM window_moved_end m "  # noqa: S608
                    f"WHERE {name}.window_end = m.was")
    _write_window_snapshot(con, windows, "window_move")
    if _same_selections(con, windows):
        refresh_window_person_snapshot(con, "window_move", ("window_person",))
        refresh_window_person_snapshot(con, None, ("window_depth",))
    else:                       # a program entered or left a window: its selection with it
        refresh_window_person_snapshot(con)
    for t in ("window_move", "window_moved_end"):
        con.execute(f"DROP TABLE {t}")  # noqa: S608 - fixed temp table names
    return True


def _move_depth_snapshot(con: duckdb.DuckDBPyConnection, old: list[dt.date],
                         new: list[dt.date], params: dict[str, Any]) -> bool:
    """Score everyone at the *new* dates (each replacing the *old* date of the same rank)
    without grouping every pair again: ties are computed only for the people whose ties can
    differ (resolve/move_person.sql), the others keep the ties_count of their row at the
    old date, and depth.sql's formula scores everyone with those ties. False (nothing
    written) when most people's ties can differ: then the whole refresh is cheaper."""
    lookback = int(params["lookback_days"])
    span = dt.timedelta(days=lookback)
    con.execute(_sql_text("resolve/depth_person.sql"),
                {"first": min(old + new) - span, "last": max(old + new)})
    con.execute("CREATE OR REPLACE TEMP TABLE move_person (person_id INTEGER, d DATE)")
    for was, now in zip(old, new, strict=True):
        con.execute(_sql_text("resolve/move_person.sql"),
                    {"new": now, "lo": min(was, now), "hi": max(was, now),
                     "lookback_days": lookback})
    con.execute("DROP TABLE depth_person")
    touched, scored = con.execute(
        "SELECT (SELECT COUNT(DISTINCT person_id) FROM move_person), "
        "(SELECT COUNT(DISTINCT person_id) FROM depth_snapshot)").fetchall()[0]
    if touched > PARTIAL_SHARE * scored:
        con.execute("DROP TABLE move_person")
        return False
    ties_sql, scored_sql = _formula_with_kept_ties()
    # the ties of the people of move_person who attended before the new date
    con.execute("CREATE OR REPLACE TEMP TABLE depth_target AS SELECT m.person_id, m.d "
                "FROM move_person m JOIN person_fact f ON f.person_id = m.person_id "
                "AND f.first_attended < m.d")
    con.execute(f"CREATE OR REPLACE TEMP TABLE depth_kept_ties AS {ties_sql}",
                _bind(ties_sql, params))
    # everyone else's from their row at the old date of the same rank
    con.execute("CREATE OR REPLACE TEMP TABLE depth_moved_date (was DATE, d DATE)")
    insert_rows(con, "INSERT INTO depth_moved_date", zip(old, new, strict=True))
    con.execute("INSERT INTO depth_kept_ties "
                "SELECT s.person_id, m.d, s.ties_count FROM depth_snapshot s "
                "JOIN depth_moved_date m ON m.was = s.d "
                "WHERE s.ties_count > 0 AND NOT EXISTS (SELECT 1 FROM move_person p "
                "WHERE p.person_id = s.person_id AND p.d = m.d)")
    con.execute("DELETE FROM depth_snapshot")
    con.execute("CREATE OR REPLACE TEMP TABLE depth_target (person_id INTEGER, d DATE)")
    for d in new:
        con.execute(f"INSERT INTO depth_target {DEPTH_TARGETS['asof']}", {"asof": d})
    # fixed columns and depth.sql's formula; the settings are bound
    sql = f"INSERT INTO depth_snapshot ({DEPTH_COLUMNS}) SELECT * FROM ({scored_sql})"  # noqa: S608
    con.execute(sql, _bind(sql, params))
    for t in ("depth_target", "depth_kept_ties", "depth_moved_date", "move_person"):
        con.execute(f"DROP TABLE {t}")  # noqa: S608 - fixed temp table names
    con.execute("INSERT OR REPLACE INTO meta VALUES ('depth_snapshot', $stamp)",
                {"stamp": _depth_stamp(con, new, params)})
    return True


# depth.sql's ties: the CTE depth_ties (it reads tie_step; depth_raw follows it)
_TIES = re.compile(r"depth_ties AS \(.*?(?=depth_raw AS \()", re.S)


def _formula_with_kept_ties() -> tuple[str, str]:
    """Two queries composed of depth.sql's formula (so it stays written once): the ties
    (person_id, d, ties_count) of the pairs of ``depth_target``, and the depth of those
    pairs scored with the ties of temp table ``depth_kept_ties`` instead of its own."""
    formula = depth_formula()
    m = _TIES.search(formula)
    if m is None or "depth_ties AS (" not in m.group(0):
        raise RuntimeError("depth.sql's ties are not the CTE depth_ties")
    before, ties, after = formula[:m.start()], m.group(0), formula[m.end():]
    ties_sql = (f"WITH {before}{ties.rstrip().rstrip(',')}\n"
                "SELECT person_id, d, ties_count FROM depth_ties")
    kept = "depth_ties AS (SELECT person_id, d, ties_count FROM depth_kept_ties),\n"
    scored = f"WITH {before}{kept}{after} SELECT {DEPTH_COLUMNS} FROM depth_tiered"  # noqa: S608
    return ties_sql, scored


def _same_but_rows(con: duckdb.DuckDBPyConnection, snapshot: str, stamp: str,
                   *moved: str) -> bool:
    """True when *snapshot*'s stored stamp equals *stamp* but for the row counts (the same
    dates or windows, settings and queries) and the fields *moved* ("dates", "windows")."""
    stored = _stored_stamp(con, snapshot)
    if stored is None:
        return False
    now = json.loads(stamp)
    for key in ("stamp", "rows", *moved):
        stored.pop(key, None)
        now.pop(key, None)
    return bool(stored == now)


def refresh_depth_snapshot(con: duckdb.DuckDBPyConnection) -> None:
    """Score everyone who attended before each end of :func:`snapshot_windows` into
    depth_snapshot, at that end, with the current depth settings. Runs inside the
    caller's transaction (import, undo, merge, classification or depth settings change)."""
    con.execute("DELETE FROM depth_snapshot")
    _write_depth_snapshot(con, [w.end for w in snapshot_windows(con)],
                          depth_config(con).params())


def _write_depth_snapshot(con: duckdb.DuckDBPyConnection, dates: list[dt.date],
                          params: dict[str, Any], people: str | None = None) -> None:
    """Score everyone who attended before each of *dates* (of the people of temp table
    *people* only, whose rows it replaces, when given) and stamp the snapshot."""
    if dates:
        if people is not None:
            con.execute(f"DELETE FROM depth_snapshot{_of_people(people)}")  # noqa: S608
        only = _of_people(people, "AND")
        con.execute("CREATE OR REPLACE TEMP TABLE depth_target (person_id INTEGER, d DATE)")
        for d in dates:
            con.execute(f"INSERT INTO depth_target {DEPTH_TARGETS['asof']}{only}",  # noqa: S608
                        {"asof": d})
        # fixed columns and depth.sql's formula; the settings are bound
        sql = (f"INSERT INTO depth_snapshot ({DEPTH_COLUMNS}) SELECT * FROM ("  # noqa: S608
               f"WITH {depth_formula()} SELECT {DEPTH_COLUMNS} FROM depth_tiered)")
        con.execute(sql, _bind(sql, params))
        con.execute("DROP TABLE depth_target")
    con.execute("INSERT OR REPLACE INTO meta VALUES ('depth_snapshot', $stamp)",
                {"stamp": _depth_stamp(con, dates, params)})


def _has_events(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("SELECT COUNT(*) > 0 FROM event").fetchall()[0][0]


class _Kept:
    """A least-recently-used store shared by the dashboard's session threads."""

    def __init__(self, fits: Callable[[OrderedDict], bool]) -> None:
        self._items: OrderedDict = OrderedDict()
        self._fits = fits
        self._lock = threading.Lock()

    def get(self, key: tuple | None) -> Any:
        with self._lock:
            value = self._items.get(key) if key is not None else None
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > 1 and not self._fits(self._items):
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


# (database, its data, what, its parameters …) -> rows of depth_at or window_program
_CACHE = _Kept(lambda items: sum(t.num_rows for t in items.values()) <= 8_000_000)
# (database, its data, "report", window, settings) -> a report
_REPORTS = _Kept(lambda items: len(items) <= 256)


def _cache_key(con: duckdb.DuckDBPyConnection, *what: Any) -> tuple | None:
    """The key of a prepared relation: the database file and its data version, plus row
    counts as a guard against writes that bypass the importer, plus *what*. None for
    in-memory databases, whose identity cannot be told apart."""
    path = con.execute("SELECT path FROM duckdb_databases() "
                       "WHERE database_name = current_database()").fetchall()[0][0]
    if not path:
        return None
    version = con.execute(
        "SELECT (SELECT MAX(value) FROM meta WHERE key = 'data_version'), "
        "(SELECT COUNT(*) FROM participation), (SELECT COUNT(*) FROM event)").fetchall()[0]
    return (path, version, *what)


WINDOW_FACTS = ("window_program", "window_person", "window_depth")


def reads_window(metric_id: str, facts: Iterable[str] = WINDOW_FACTS) -> bool:
    """True when a metric reads the window facts (any of *facts*)."""
    sql = registry.get(metric_id).sql
    return any(name in sql for name in facts)


@contextmanager
def depth_ready(con: duckdb.DuckDBPyConnection, metric_ids: Iterable[str],
                params: dict[str, Any]) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection on which *metric_ids* can run: a private cursor holding the prepared
    relations they read (window_program, window_person, depth_at, window_depth), if any.

    The cursor keeps the temporary tables away from other users of *con* (the
    dashboard shares one connection between sessions).
    """
    metric_ids = list(metric_ids)
    kinds = {k for k in map(depth_kind, metric_ids) if k}
    window = any(map(reads_window, metric_ids))
    if not kinds and not window:
        yield con
        return
    cur = con.cursor()
    try:
        # one read transaction: the prepared relations (some are views of the store's
        # snapshots) and the metrics read the same state even when another session's
        # import commits meanwhile; nothing is written to the store, so it is rolled back
        cur.execute("BEGIN TRANSACTION")
        merged = {**config.metric_params(con), **params}
        served = window and prepare_window(cur, merged)
        if kinds:
            prepare_depth(cur, kinds, merged)
        if not served and any(reads_window(m, ["window_depth"]) for m in metric_ids):
            sql = registry.facts_sql("window_depth")
            cur.execute(f"CREATE OR REPLACE TEMP TABLE window_depth AS {sql}", _bind(sql, params))
        yield cur
    finally:
        try:
            cur.execute("ROLLBACK")
        except duckdb.Error:   # the transaction already ended (an error inside it)
            pass
        cur.close()


def run(con: duckdb.DuckDBPyConnection, metric_id: str, **params: Any) -> pd.DataFrame:
    """Run one metric's query with bound parameters (extra ones are ignored; settings not
    given, the depth formula's and lapse_days, are the stored ones). A metric that reads
    prepared relations (window facts, depth) runs on a private cursor that
    :func:`depth_ready` prepares, unless *con* is such a cursor already. A damaged store is
    a :class:`~engage_metrics.faults.StoreError` (see :func:`faults.reading`)."""
    with faults.reading(con):
        params = {**config.metric_params(con), **params}
        metric = registry.get(metric_id)
        if any(name in metric.sql and not _has(con, name) for name in PREPARED):
            with depth_ready(con, [metric_id], params) as cur:
                return _execute(cur, metric, params)
        return _execute(con, metric, params)


def scalar(con: duckdb.DuckDBPyConnection, metric_id: str, **params: Any) -> Any:
    """The single value of a scalar metric (None for SQL NULL)."""
    df = run(con, metric_id, **params)
    if df.empty:
        return None
    value = df["value"].iloc[0]
    if pd.isna(value):
        return None
    return value.item() if hasattr(value, "item") else value


# relations a metric may read that depth_ready prepares
PREPARED = ("window_person", "window_program", "window_depth", "depth_at")


def _has(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """True on a cursor prepared by depth_ready (a temp table or a registered view)."""
    return con.execute(
        "SELECT (SELECT COUNT(*) FROM duckdb_tables() WHERE temporary AND table_name = $n)"
        " + (SELECT COUNT(*) FROM duckdb_views() WHERE temporary AND view_name = $n)",
        {"n": name}).fetchall()[0][0] > 0


def _execute(con: duckdb.DuckDBPyConnection, metric: registry.Metric,
             params: dict[str, Any]) -> pd.DataFrame:
    """The metric's query on *con* as it is, binding the parameters it names."""
    missing = [p for p in metric.params if p not in params]
    if missing:
        raise TypeError(f"{metric.id} needs parameters {missing}")
    # a metric reading window facts takes start/end through them, not in its own SQL
    bound = {p: params[p] for p in metric.params if re.search(rf"\${p}\b", metric.sql)}
    return con.execute(metric.sql, bound).df()


PARTICIPATION = {"active": "active_people", "new": "new_people",
                 "attended": "attended_participations", "hours": "total_hours",
                 "repeat_rate": "repeat_rate", "return_rate_90d": "return_rate_90d",
                 "no_show_rate": "no_show_rate", "lapsed": "lapsed_count"}
LADDER = {"escalation_rate": "escalation_rate", "escalated": "escalated_people"}
SPECTRUM = {"task_share": "task_share", "relationship_strength": "relationship_strength"}
REPORT_METRICS = (*PARTICIPATION.values(), *LADDER.values(), *SPECTRUM.values(),
                  "ladder_funnel", "mean_depth", "depth_tiers")


def report(con: duckdb.DuckDBPyConnection, window: Window) -> dict[str, Any]:
    """Every headline number of a window as plain JSON-ready values (CLI, board pack, tests).

    A report is a function of the data, the settings and the window: within a process it
    is kept (keyed like the prepared relations, on the database file and its data version,
    plus the settings the SQL binds), so the board pack and repeated calls compute it once.
    A damaged store is a :class:`~engage_metrics.faults.StoreError`, never other numbers."""
    with faults.reading(con):
        key = _cache_key(con, "report", window, tuple(sorted(config.metric_params(con).items())))
        kept = _REPORTS.get(key)
        if kept is not None:
            return copy.deepcopy(kept)
        result = _compute_report(con, window)
    if key is not None:
        _REPORTS.put(key, copy.deepcopy(result))
    return result


def clear_caches() -> None:
    """Forget every kept report and prepared relation of this process."""
    _REPORTS.clear()
    _CACHE.clear()


def _compute_report(con: duckdb.DuckDBPyConnection, window: Window) -> dict[str, Any]:
    params = window.params()
    with depth_ready(con, REPORT_METRICS, params) as cur:
        return assemble_report(window, lambda m: scalar(cur, m, **params),
                               lambda m: run(cur, m, **params))


def assemble_report(window: Window, value: Callable[[str], Any],
                    table: Callable[[str], pd.DataFrame]) -> dict[str, Any]:
    """The report of *window* from *value* (a scalar metric's value, as :func:`scalar`
    gives it) and *table* (a table metric's rows): one shape for every engine that runs
    the registry's SQL (DuckDB here, Spark in ``engage_spark``)."""
    funnel = table("ladder_funnel")
    tiers = table("depth_tiers")
    participation = {key: value(mid) for key, mid in PARTICIPATION.items()}
    ladder = {key: value(mid) for key, mid in LADDER.items()}
    spectrum = {key: value(mid) for key, mid in SPECTRUM.items()}
    mean = value("mean_depth")
    spectrum["quadrant"] = quadrant(spectrum["task_share"], spectrum["relationship_strength"])
    return {
        "window": {"start": window.start.isoformat(), "end": window.end.isoformat(),
                   "program": list(window.programs) or None},
        "participation": participation,
        "ladder": {"reached": {str(int(r)): int(n)
                               for r, n in zip(funnel["rung"], funnel["reached"], strict=True)},
                   **ladder},
        "depth": {"mean": mean,
                  "tiers": {str(t): int(n)
                            for t, n in zip(tiers["tier"], tiers["people"], strict=True)}},
        "spectrum": spectrum,
    }


def report_text(report_dict: dict[str, Any]) -> str:
    """The report as plain text, with the registry's labels and formats."""
    w = report_dict["window"]
    programs = ", ".join(w["program"]) if w["program"] else "all programs"
    end_incl = dt.date.fromisoformat(w["end"]) - dt.timedelta(days=1)
    lines = [f"Engagement report {w['start']} through {end_incl.isoformat()} ({programs}; "
             f"--start {w['start']} --end {w['end']})", ""]

    def row(metric_id: str, value: Any) -> str:
        metric = registry.get(metric_id)
        return f"  {metric.label:<28} {metric.format(value)}"

    lines.append("Participation")
    lines += [row(mid, report_dict["participation"][key]) for key, mid in PARTICIPATION.items()]
    lines += ["", "Ladder"]
    lines += [row(mid, report_dict["ladder"][key]) for key, mid in LADDER.items()]
    reached = report_dict["ladder"]["reached"]
    lines += [f"  Reached {r} {RUNG_NAMES[int(r)]:<18} {int(n):,}" for r, n in reached.items()]
    lines += ["", "Relationship depth", row("mean_depth", report_dict["depth"]["mean"])]
    lines += [f"  {t:<28} {report_dict['depth']['tiers'][t]:,}" for t in TIERS]
    spectrum = report_dict["spectrum"]
    lines += ["", "Task/relationship spectrum"]
    lines += [row(mid, spectrum[key]) for key, mid in SPECTRUM.items()]
    lines.append(f"  {'Quadrant':<28} {spectrum['quadrant'] or '–'}")
    return "\n".join(lines)
