"""Identity resolution and the rebuild of the canonical tables from the journal.

Two records are the same person when they share a normalized email, phone or
(source, external id), transitively (connected components, computed in SQL by
label propagation) — plus the analyst's merge decisions. Records with none of
those identifiers are identified by their normalized full name within their
source and flagged as weak identities. Name-only matches across identifiers are
never merged: :func:`identity_candidates` offers them for review.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

from engage_metrics.transaction import bump_data_version, transaction

SQL_DIR = Path(__file__).with_name("sql")
MAX_PROPAGATION_STEPS = 100


@cache
def sql_text(name: str) -> str:
    return (SQL_DIR / name).read_text()


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(sql_text("import/macros.sql"))


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute identifier, person, event, participation and ask from the journal.

    Runs inside the caller's transaction, so an import or an undo lands whole."""
    install_macros(con)
    con.execute(sql_text("resolve/records.sql"))
    for _ in range(MAX_PROPAGATION_STEPS):
        con.execute(sql_text("resolve/propagate.sql"))
        changed = con.execute(
            "SELECT COUNT(*) FROM key_label_next n JOIN key_label k ON k.key = n.key "
            "WHERE n.label < k.label").fetchall()[0][0]
        con.execute("CREATE OR REPLACE TEMP TABLE key_label AS SELECT * FROM key_label_next")
        if not changed:
            break
    else:  # pragma: no cover - needs a chain of > 100 linked identifiers
        raise RuntimeError("identity resolution did not converge")
    con.execute(sql_text("resolve/build.sql"))
    apply_configuration(con)
    for t in ("rec", "rec_key", "rec_label", "key_label", "key_label_next"):
        con.execute(f"DROP TABLE IF EXISTS {t}")  # noqa: S608 - fixed temp table names


def apply_configuration(con: duckdb.DuckDBPyConnection) -> None:
    """Re-apply the classification and ladder (after an import or a Settings change),
    then the per-person facts and the depth snapshot that depend on them."""
    install_macros(con)
    con.execute(sql_text("resolve/configure.sql"))
    refresh_facts(con)


def refresh_facts(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute person_fact and the depth and window snapshots from the canonical tables."""
    from engage_metrics import metrics

    con.execute(sql_text("resolve/facts.sql"))
    metrics.refresh_depth_snapshot(con)
    metrics.refresh_window_snapshot(con)


def identity_candidates(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Pairs of different people with the same normalized name, not kept apart.

    A first-name nickname match (Bob/Robert, Liz/Elizabeth …) counts as the same
    name. Returns person ids, names, emails and the identifier keys to decide on."""
    install_macros(con)
    return con.execute(sql_text("resolve/candidates.sql")).df()


def decide(con: duckdb.DuckDBPyConnection, decision: str, person_a: int, person_b: int) -> None:
    """Record a merge / keep-apart decision between two people, keyed by their
    strongest identifiers so it survives re-imports, and rebuild."""
    if decision not in ("merge", "apart"):
        raise ValueError("decision must be 'merge' or 'apart'")
    keys = con.execute(
        "SELECT person_id, MIN(key) FROM identifier WHERE person_id IN ($a, $b) "
        "GROUP BY person_id", {"a": person_a, "b": person_b}).fetchall()
    if len(keys) != 2:
        raise ValueError("both people must exist and be different")
    key_a, key_b = sorted(k for _, k in keys)
    with transaction(con):
        con.execute("INSERT OR REPLACE INTO identity_decision VALUES ($d, $a, $b, now())",
                    {"d": decision, "a": key_a, "b": key_b})
        if decision == "merge":
            rebuild(con)
        bump_data_version(con)
