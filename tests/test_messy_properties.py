"""Issue 13, proof: a file's rows in any order give the same import — the same people,
events and participations (compared as sorted sets of what they say, not their ids) and
the same rejected rows with the same reasons. A generic participation file with a few
people (one of them written by name only, linked by name), events, date forms (noon too),
statuses, hours as people write them, and rows that are rejected."""
from __future__ import annotations

import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engage_metrics import db, importer

HEADER = "Name,Email,Event,Program,Date,Status,Hours\n"
PEOPLE = [("Ana Lopez", "ana@example.org"), ("Bob Smith", "bob@example.org"),
          ("Cara Diaz", "cara@example.org"), ("Dev Patel", ""), ("Ana Lopez", "")]
EVENTS = [("Canvass", "Field", "2024-03-02 10:00"), ("Potluck", "Social", "Mar 9, 2024 6:00 PM"),
          ("Phone bank", "Field", "2024-03-14 18:00"), ("Training", "Field", "2024-04-06"),
          ("Lunch", "Social", "Mar 16, 2024 noon")]
STATUSES = ["Attended", "No Show", "Registered", "Cancelled", "Checked In",
            "Flibbertigibbet"]                     # an unknown status: a rejected row
HOURS = ["", "2", "2.5 hrs", "90 min", "1:30", "lots"]   # "lots": a rejected row

row = st.tuples(st.integers(0, len(PEOPLE) - 1), st.integers(0, len(EVENTS) - 1),
                st.sampled_from(STATUSES), st.sampled_from(HOURS))


def csv_text(rows: list[tuple[int, int, str, str]]) -> str:
    lines = []
    for person, event, status, hours in rows:
        name, email = PEOPLE[person]
        title, program, when = EVENTS[event]
        lines.append(f'{name},{email},{title},{program},"{when}",{status},{hours}\n')
    return HEADER + "".join(lines)


def one_row_per_occurrence(rows: list[tuple]) -> list[tuple]:
    """One row per person and event, as an export has (a file's conflicting duplicates
    are resolved by precedence, tested in test_import)."""
    seen: dict[tuple, tuple] = {}
    for r in rows:
        seen.setdefault(r[:2], r)
    return list(seen.values())


def canonical(con) -> dict[str, list]:
    def rows(sql: str) -> list:
        return sorted(con.execute(sql).fetchall(), key=repr)
    return {
        "people": rows("SELECT full_name, email, weak_identity FROM person"),
        "events": rows("SELECT title, program, CAST(starts_at AS VARCHAR) FROM event"),
        "participations": rows(
            "SELECT p.full_name, p.email, e.title, CAST(e.starts_at AS VARCHAR), x.status, "
            "x.hours FROM participation x JOIN person p USING (person_id) "
            "JOIN event e USING (event_id)"),
        "rejected": rows("SELECT reason, raw FROM rejected_row"),
    }


@settings(max_examples=5, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(row, min_size=2, max_size=20), seed=st.integers(0, 10_000))
def test_rows_in_any_order_give_the_same_import(tmp_path: Path, rows, seed):
    rows = one_row_per_occurrence(rows)
    shuffled = rows[:]
    random.Random(seed).shuffle(shuffled)
    seen = []
    for name, data in (("a", rows), ("b", shuffled)):
        path = tmp_path / f"{name}-{seed}-{len(rows)}.duckdb"
        path.unlink(missing_ok=True)
        con = db.connect(path)
        try:
            result = importer.import_bytes(con, csv_text(data).encode(), "signups.csv")
            assert result.status in ("imported", "failed"), result.message
            seen.append((result.status, result.rejected, sorted(result.notes),
                         canonical(con)))
        finally:
            con.close()
    assert seen[0] == seen[1]
