"""A generated organization with known processes, for the prediction tests.

Each person has a hidden closeness c in [0, 1]. The closer they are, the more often they
come (each of two weekly events with chance 0.15 + 0.5 c) and the longer they stay (each
week they leave for good with chance 0.04 (1.1 − c)); an ask follows some attendances, for
the person's rung plus a stretch of 0–2, and is accepted with chance
logistic(−0.5 + 3 c − 1.2 stretch). The models see none of this: only the canonical
tables, as the importer would leave them. Built with numpy and bulk inserts, in about a
second.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from engage_metrics import db, resolve

START = dt.date(2024, 1, 6)          # a Saturday
WEEKS = 104
END = START + dt.timedelta(weeks=WEEKS)   # the day after the last week: the as-of date


def build(path: Path, people: int = 300, seed: int = 11, shuffle: bool = False
          ) -> duckdb.DuckDBPyConnection:
    """A store at *path* holding the organization; with *shuffle*, the asks' outcomes are
    permuted among the asks (the control: nothing left to learn)."""
    rng = np.random.default_rng(seed)
    events = _events()
    close = rng.random(people)
    joined = rng.integers(0, WEEKS - 20, people)
    stays = rng.geometric(np.clip(0.04 * (1.1 - close), 0.005, 1))   # weeks until they leave
    week = events["week"].to_numpy()
    # attendance: person × event, while they are with the organization
    p_idx, e_idx = np.meshgrid(np.arange(people), np.arange(len(events)), indexing="ij")
    present = (week[e_idx] >= joined[p_idx]) & (week[e_idx] < joined[p_idx] + stays[p_idx])
    came = present & (rng.random(present.shape) < 0.15 + 0.5 * close[p_idx])
    pid, eid = p_idx[came], e_idx[came]
    task = events["mode"].to_numpy()[eid] == "task"
    rung = np.where(task, 3, 2)
    rung[(close[pid] > 0.7) & (rng.random(pid.size) < 0.2)] = 4
    parts = pd.DataFrame({"person_id": pid + 1, "event_id": eid + 1, "status": "attended",
                          "role": np.where(rung == 4, "host", np.where(task, "volunteer",
                                                                           "attendee")),
                          "hours": 2.0, "rung": rung, "import_id": 1})
    parts["date"] = events["event_date"].to_numpy()[eid]
    parts = parts.sort_values(["person_id", "date", "event_id"]).reset_index(drop=True)
    # asks: after some attendances, for the rung reached so far plus a stretch
    reached = parts.groupby("person_id")["rung"].cummax().to_numpy()
    asked = rng.random(len(parts)) < 0.06
    stretch = rng.choice([0, 1, 2], size=len(parts), p=[0.35, 0.45, 0.2])
    ask_rung = np.minimum(reached + stretch, 5)
    stretch = ask_rung - reached
    chance = 1 / (1 + np.exp(-(-0.5 + 3 * close[parts["person_id"].to_numpy() - 1]
                               - 1.2 * stretch)))
    yes = rng.random(len(parts)) < chance
    asks = parts.loc[asked, ["person_id", "date"]].copy()
    asks["rung"] = ask_rung[asked]
    asks["outcome"] = np.where(yes[asked], "yes", "no")
    asks["ask_date"] = asks["date"] + pd.Timedelta(days=1)
    asks = asks[asks["ask_date"] < pd.Timestamp(END)].drop_duplicates(["person_id", "ask_date"])
    if shuffle:
        asks["outcome"] = rng.permutation(asks["outcome"].to_numpy())
    con = db.connect(path)
    insert(con, events, parts, asks, people)
    return con


def _events() -> pd.DataFrame:
    """Two events a week: a Saturday canvass (task) and a Wednesday potluck (relationship)."""
    weeks = np.repeat(np.arange(WEEKS), 2)
    task = np.tile([True, False], WEEKS)
    dates = [START + dt.timedelta(weeks=int(w), days=0 if t else 4)
             for w, t in zip(weeks, task, strict=True)]
    return pd.DataFrame({"week": weeks, "mode": np.where(task, "task", "relationship"),
                         "event_date": pd.to_datetime(dates)})


def insert(con: duckdb.DuckDBPyConnection, events: pd.DataFrame, parts: pd.DataFrame,
           asks: pd.DataFrame, people: int) -> None:
    """The rows into the canonical tables, then the facts an import would refresh."""
    task = events["mode"] == "task"
    event_rows = pd.DataFrame({
        "event_id": np.arange(1, len(events) + 1), "source": "test",
        "event_key": [f"e{i}" for i in range(1, len(events) + 1)],
        "title": np.where(task, "Canvass", "Potluck"),
        "event_type": np.where(task, "Canvass", "Potluck"), "program": "Main",
        "starts_at": events["event_date"] + pd.Timedelta(hours=18),
        "ends_at": events["event_date"] + pd.Timedelta(hours=20),
        "event_date": events["event_date"].dt.date, "mode": events["mode"],
        "task_weight": np.where(task, 1.0, 0.0), "touch_weight": np.where(task, 0.0, 1.0),
        "type_rung": np.where(task, 3, 2), "classified": True})
    ids = np.arange(1, people + 1)
    person_rows = pd.DataFrame({
        "person_id": ids, "full_name": [f"Person {i}" for i in ids], "first_name": "Person",
        "last_name": ids.astype(str), "email": [f"p{i}@example.org" for i in ids],
        "phone": None, "first_seen": None, "recruited_by": None, "weak_identity": False})
    part_rows = parts.drop(columns="date")
    ask_rows = pd.DataFrame({
        "ask_id": np.arange(1, len(asks) + 1), "person_id": asks["person_id"].to_numpy(),
        "asked_at": (asks["ask_date"] + pd.Timedelta(hours=10)).to_numpy(),
        "ask_date": asks["ask_date"].dt.date.to_numpy(), "ask": "Ask",
        "rung": asks["rung"].to_numpy(), "outcome": asks["outcome"].to_numpy(),
        "asked_by": "Organizer", "import_id": 1})
    for table, frame in (("event", event_rows), ("person", person_rows),
                         ("participation", part_rows), ("ask", ask_rows)):
        con.register("rows", frame)
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM rows")
        con.unregister("rows")
    resolve.refresh_facts(con)
