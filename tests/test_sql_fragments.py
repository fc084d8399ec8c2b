"""The SQL many queries share (sql/fragments) is written once and pasted in by the registry:
what runs is the same query text as when each file spelled it out, no query file spells a
fragment out by hand, and a mistaken include fails when the file is read."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from engage_metrics import registry

FACTS = [p.stem for p in sorted(registry.FACTS_DIR.glob("*.sql"))]


def _words(sql: str) -> str:
    return " ".join(sql.split())


def _query(path: Path) -> str:
    """A metric or facts file's own text after its header: what it spells out itself."""
    return registry._split_header(path)[1]


def test_pasted_fragments_give_the_text_the_file_spelled_out_before() -> None:
    sql = registry.get("series_participation").sql
    assert sql.startswith("""WITH RECURSIVE months (month) AS (
    SELECT CAST(date_trunc('month', CAST($start AS DATE)) AS DATE)
    WHERE CAST($start AS DATE) < CAST($end AS DATE)
    UNION ALL
    SELECT CAST(month + INTERVAL 1 MONTH AS DATE)
    FROM months
    WHERE month + INTERVAL 1 MONTH < CAST($end AS DATE)
),
attended AS (""")
    assert """    JOIN event e ON e.event_id = p.event_id
    WHERE p.status = 'attended'
      AND e.event_date >= CAST($start AS DATE) AND e.event_date < CAST($end AS DATE)
      AND (len($programs) = 0 OR list_contains($programs, e.program))
    GROUP BY p.person_id""" in sql


def test_every_include_is_pasted() -> None:
    queries = [m.sql for m in registry.metrics().values()] + list(map(registry.facts_sql, FACTS))
    assert not [q for q in queries if "{{" in q or "}}" in q]


@pytest.mark.parametrize("path", [*sorted(registry.METRICS_DIR.glob("*.sql")),
                                  *sorted(registry.FACTS_DIR.glob("*.sql"))], ids=str)
def test_no_query_spells_a_fragment_out_by_hand(path: Path) -> None:
    own = _query(path)
    for fragment in registry.fragments().values():
        if not fragment.args:
            assert _words(fragment.sql) not in _words(own), f"{path.name} spells {fragment.name}"
    # the lapse threshold is only in the lapse rule
    assert not re.search(r"\b180\b", own), f"{path.name} spells the lapse threshold"


def test_an_unknown_include_or_a_wrong_argument_count_fails_when_read(tmp_path: Path) -> None:
    header = ("-- id: broken\n-- label: Broken\n-- unit: count\n-- room: participation\n"
              "-- shape: scalar\n-- definition: A metric with a mistaken include.\n")
    path = tmp_path / "broken.sql"
    path.write_text(header + "SELECT COUNT(*) AS value FROM event e WHERE {{ attended_in_windw }}")
    with pytest.raises(ValueError, match="unknown fragment 'attended_in_windw'"):
        registry.parse_metric_file(path)
    path.write_text(header + "SELECT COUNT(*) AS value FROM person_fact "
                             "WHERE {{ lapsed(first_attended) }}")
    with pytest.raises(ValueError, match="needs arguments"):
        registry.parse_metric_file(path)


def test_an_argument_may_nest_parentheses() -> None:
    # two arguments: the first holds commas inside nested parentheses
    assert registry.paste_fragments(
        "WHERE {{ lapsed(COALESCE(a, CAST(b AS DATE)), n.d) }}", "test") == (
        "WHERE (date_diff('day', COALESCE(a, CAST(b AS DATE)), n.d) >= $lapse_days)")
