"""Synthetic organization at a given size, written as a generic CSV export.

Keeps the demo's shape: people ~ participations / 8, events ~ participations / 25,
five programs with distinct task/relationship mixes, three years of dates, all
four statuses, roles and hours; increment() is the next month's export of the same
organization (mostly the same people, new events), for timing an incremental import.
Deterministic for a given seed; vectorized (numpy), written by DuckDB's COPY so 10 M rows
take seconds, not minutes.
"""
from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

PROGRAMS = np.array(["Field", "Social Committee", "Tenant Organizing", "Youth Climate",
                     "Food Justice"])
# event types per program (task, relationship and mixed vocabulary of data/engage.toml)
TYPES = {
    "Field": ["Canvass", "Phone Bank", "Text Bank", "Canvass"],
    "Social Committee": ["Potluck", "Social", "Coffee", "Potluck"],
    "Tenant Organizing": ["House Meeting", "Canvass", "Training", "One-on-One"],
    "Youth Climate": ["Rally", "Cleanup", "Meeting", "Webinar"],
    "Food Justice": ["Food Bank Shift", "Pantry Shift", "Meeting", "Potluck"],
}
STATUSES = np.array(["Attended", "Attended", "Attended", "Attended", "Attended", "Attended",
                     "No-Show", "Registered", "Cancelled", "Checked In"])
ROLES = np.array(["attendee"] * 6 + ["volunteer"] * 3 + ["host", "shift lead", "organizer"])
END = date(2026, 10, 31)


def generate(participations: int, seed: int = 11) -> pd.DataFrame:
    """Numeric columns of the synthetic export (strings are built by DuckDB in write_csv)."""
    rng = np.random.default_rng(seed)
    n_people = max(participations // 8, 10)
    n_events = max(participations // 25, 4)
    days = 3 * 365
    ev_program = rng.integers(0, len(PROGRAMS), n_events)
    ev_type = ev_program * 4 + rng.integers(0, 4, n_events)
    ev_day = np.sort(rng.integers(0, days, n_events))
    ev_hour = rng.integers(9, 20, n_events)
    # heavy-tailed activity: a few people do a lot, most do a little
    weight = rng.lognormal(0.0, 1.0, n_people)
    person = rng.choice(n_people, participations, p=weight / weight.sum())
    event = rng.integers(0, n_events, participations)
    return _participations(rng, person, event, (ev_program, ev_type, ev_day, ev_hour))


def increment(base: pd.DataFrame, rows: int = 10_000, new_share: float = 0.1,
              seed: int = 12) -> pd.DataFrame:
    """A month's export after *base* ends (generate's output): *rows* participations in new
    events, about *new_share* of them by people new to the organization and the rest by
    people of *base*, drawn as often as they took part there (the active come back)."""
    rng = np.random.default_rng(seed)
    n_events = max(rows // 25, 4)
    first_event = int(base["event"].max()) + 1
    ev_program = rng.integers(0, len(PROGRAMS), n_events)
    ev_type = ev_program * 4 + rng.integers(0, 4, n_events)
    ev_day = np.sort(rng.integers(3 * 365, 3 * 365 + 30, n_events))   # the month after END
    ev_hour = rng.integers(9, 20, n_events)
    drawn = rows + rows // 20          # a few more: a person's second row at an event goes
    new = rng.random(drawn) < new_share
    first_new = int(base["person"].max()) + 1
    person = np.where(new, first_new + rng.integers(0, max(int(rows * new_share), 1), drawn),
                      rng.choice(base["person"].to_numpy(), drawn))
    event = rng.integers(0, n_events, drawn)
    frame = _participations(rng, person, event, (ev_program, ev_type, ev_day, ev_hour))
    frame = frame.head(rows).copy()
    frame["event"] += first_event
    return frame


def _participations(rng: np.random.Generator, person: np.ndarray, event: np.ndarray,
                    events: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
                    ) -> pd.DataFrame:
    """One row per person x occurrence, like a real export, with statuses, roles and hours
    drawn for each; *events* holds each event's program, type, day and hour."""
    ev_program, ev_type, ev_day, ev_hour = events
    n = len(person)
    status = rng.integers(0, len(STATUSES), n)
    attended = np.isin(STATUSES[status], ["Attended", "Checked In"])
    hours = np.where(attended, np.round(rng.uniform(1, 4, n) * 2) / 2, np.nan)
    frame = pd.DataFrame({
        "person": person, "event": event, "type": ev_type[event],
        "program": ev_program[event], "day": ev_day[event], "hour": ev_hour[event],
        "status": status, "role": rng.integers(0, len(ROLES), n), "hours": hours,
    })
    return frame.drop_duplicates(["person", "event"]).reset_index(drop=True)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write the generic export: Email, names, event, type, program, start, status, role, hours."""
    types = [t for p in PROGRAMS for t in TYPES[p]]
    con = duckdb.connect()
    con.register("frame", frame)
    start = pd.Timestamp(END) - pd.Timedelta(days=3 * 365)
    con.sql(
        """SELECT printf('p%07d@example.org', person) AS "Email", 'P' AS "First Name",
                   CAST(person AS VARCHAR) AS "Last Name", event AS "Event ID",
                   $types[type + 1] || ' #' || event AS "Event", $types[type + 1] AS "Event Type",
                   $programs[program + 1] AS "Program",
                   strftime(CAST($start AS TIMESTAMP) + to_days(CAST(day AS INTEGER))
                            + to_hours(CAST(hour AS INTEGER)), '%Y-%m-%d %H:%M:%S') AS "Start",
                   $statuses[status + 1] AS "Status", $roles[role + 1] AS "Role",
                   hours AS "Hours"
           FROM frame""",
        params={"types": types, "programs": list(PROGRAMS), "start": start.to_pydatetime(),
                "statuses": list(STATUSES), "roles": list(ROLES)},
    ).write_csv(str(path), header=True, sep=",")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--participations", type=int, default=1_000_000)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    write_csv(generate(args.participations, args.seed), args.out)


if __name__ == "__main__":
    main()
