"""Tiny hand-written organizations for the metric tests.

Why: every expected number in tests/test_metrics_tiny.py is worked out by hand
from a handful of rows; this module keeps those rows readable (one call per
event, participation or ask) and writes them straight into the canonical
tables of a real store, the way the importer would leave them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from engage_metrics import db, resolve
from engage_metrics.config import default_depth, set_setting

TASK_WEIGHT = {"task": 1.0, "mixed": 0.5, "relationship": 0.0}
TOUCH_WEIGHT = {"task": 0.0, "mixed": 0.5, "relationship": 1.0}


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@dataclass
class Org:
    """Rows of a tiny organization, inserted on :meth:`store` (in any order)."""

    rows: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    people: set[int] = field(default_factory=set)
    _event_ids: int = 0
    _ask_ids: int = 0

    def event(self, date: str, program: str = "Main", mode: str = "task",
              event_type: str | None = "Canvass") -> int:
        """Add an event occurrence starting at 18:00 local on *date*; returns its id."""
        self._event_ids += 1
        eid = self._event_ids
        starts = dt.datetime.combine(day(date), dt.time(18, 0))
        self.rows.append(("event", (
            eid, "test", f"e{eid}", f"{event_type or 'Event'} {eid}", event_type, program,
            starts, starts + dt.timedelta(hours=2), day(date), mode, TASK_WEIGHT[mode],
            TOUCH_WEIGHT[mode], 3 if mode == "task" else 2, True)))
        return eid

    def part(self, person_id: int, event_id: int, status: str = "attended", rung: int = 2,
             hours: float | None = None, role: str = "attendee") -> None:
        self._person(person_id)
        self.rows.append(("participation", (person_id, event_id, status, role, hours, rung, 1)))

    def ask(self, person_id: int, date: str, rung: int, outcome: str) -> None:
        self._person(person_id)
        self._ask_ids += 1
        asked_at = dt.datetime.combine(day(date), dt.time(10, 0))
        self.rows.append(("ask", (self._ask_ids, person_id, asked_at, day(date), "Ask", rung,
                                  outcome, "Organizer", 1)))

    def _person(self, person_id: int) -> None:
        if person_id not in self.people:
            self.people.add(person_id)
            self.rows.append(("person", (person_id, f"Person {person_id}", "Person",
                                         str(person_id), f"p{person_id}@example.org", None, None,
                                         None, False)))

    def store(self, con: duckdb.DuckDBPyConnection,
              order: list[int] | None = None) -> duckdb.DuckDBPyConnection:
        """Insert the rows (in *order*, a permutation of row positions, if given)."""
        for i in order if order is not None else range(len(self.rows)):
            table, values = self.rows[i]
            marks = ", ".join("?" * len(values))
            con.execute(f"INSERT INTO {table} VALUES ({marks})", list(values))
        resolve.refresh_facts(con)   # the per-person facts, as an import leaves them
        return con


def open_store(path: Path | str, org: Org) -> duckdb.DuckDBPyConnection:
    """A new store file at *path* holding *org*."""
    return org.store(db.connect(path))


def tenure_only_depth(con: duckdb.DuckDBPyConnection) -> None:
    """Weigh only tenure (score = 100 * days since first attendance / 730), so that tiers
    and levels can be computed by hand from one date."""
    cfg = default_depth().to_dict()
    cfg["weights"] = {part: 0.0 for part in cfg["weights"]} | {"tenure": 1.0}
    set_setting(con, "depth", cfg)
