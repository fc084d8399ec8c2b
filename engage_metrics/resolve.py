"""Identity resolution and the rebuild of the canonical tables from the journal.

Two records are the same person when they share a normalized email, phone or
(source, external id), transitively (connected components, computed in SQL by
label propagation) — plus the analyst's merge decisions. Placeholder emails and
phones ("test@test.com", 000-000-0000) and those shared by many different names in
one import are no identifier. A record left with none of those identifiers is linked
to the one person of its import with exactly its name and an email (undone by
:func:`unlink`), else identified by its normalized full name within its source, else
(no real name) by itself; such people are flagged as weak identities. Name-only
matches across imports are never merged: :func:`identity_candidates` offers them for
review. docs/data-model.md and docs/importing/identity.md say it in words.
"""
from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

from engage_metrics.transaction import MACROS_MARK, bump_data_version, transaction

SQL_DIR = Path(__file__).with_name("sql")
MAX_PROPAGATION_STEPS = 100


@cache
def sql_text(name: str) -> str:
    return (SQL_DIR / name).read_text()


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create the import's temp macros on *con* once (they live as long as the connection;
    creating them takes a tenth of a second, which every import paid several times)."""
    text = sql_text("import/macros.sql")
    mark = _macros_digest(text)
    if con.execute("SELECT getvariable($name)", {"name": MACROS_MARK}).fetchone() == (mark,):
        return
    con.execute(text)
    con.execute(f"SET VARIABLE {MACROS_MARK} = $mark", {"mark": mark})


@cache
def _macros_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute identifier, person, event, participation and ask from the journal.

    Runs inside the caller's transaction, so an import or an undo lands whole. Leaves
    the identity notes of the latest import (placeholders, shared addresses, rows that
    are their own person, links by name) for :func:`take_identity_notes`."""
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
    latest = con.execute("SELECT MAX(import_id) FROM import_log").fetchall()[0][0]
    notes = [] if latest is None else identity_notes(con, latest)
    con.execute("CREATE OR REPLACE TEMP TABLE identity_note (import_id INTEGER, i INTEGER, "
                "note VARCHAR)")
    if notes:
        con.executemany("INSERT INTO identity_note VALUES (?, ?, ?)",
                        [(latest, i, n) for i, n in enumerate(notes)])
    apply_configuration(con)
    for t in ("rec", "rec_key", "rec_label", "rec_weak", "rec_link", "key_label",
              "key_label_next"):
        con.execute(f"DROP TABLE IF EXISTS {t}")  # noqa: S608 - fixed temp table names


def take_identity_notes(con: duckdb.DuckDBPyConnection, import_id: int) -> list[str]:
    """The identity notes the last :func:`rebuild` left for *import_id* (the latest
    import), removed once read; none when that rebuild was not after this import."""
    try:
        rows = con.execute("SELECT note FROM identity_note WHERE import_id = $id ORDER BY i",
                           {"id": import_id}).fetchall()
    except duckdb.CatalogException:
        return []
    con.execute("DROP TABLE identity_note")
    return [r[0] for r in rows]


def _rows(n: int) -> str:
    return f"{n} row{'' if n == 1 else 's'}"


def identity_notes(con: duckdb.DuckDBPyConnection, import_id: int) -> list[str]:
    """The import's identity notes, from the temp tables of a rebuild in progress."""
    notes = []
    for _, why, kind, rows, values, names in con.execute(
            sql_text("resolve/notes.sql"), {"import_id": import_id}).fetchall():
        if why == "placeholder":
            notes.append(f"{_rows(rows)} with a placeholder {kind} ({values}): it is not "
                         f"used to tell who they are, so it never merges two people")
        elif why == "shared":
            notes.append(f"{_rows(rows)} with {'an' if kind == 'email' else 'a'} {kind} that "
                         f"{names} or more different "
                         f"first names use in this file ({values}): taken as a shared {kind} "
                         "(a coordinator's, typed for walk-ins), not a person's — each name "
                         "is its own person, never merged by it")
        elif why == "own_row":
            notes.append(f"{_rows(rows)} with no real name and no usable email, phone or id "
                         f"({values or 'blank'}) kept as separate people, one per row, "
                         "never merged")
        elif why == "linked":
            notes.append(f"{rows} name-only row{' was' if rows == 1 else 's were'} linked to "
                         f"the person of the same name with an email in this file ({names} "
                         f"{'person' if names == 1 else 'people'}); undo a link on the Data "
                         "page under Linked by name")
    return notes


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


def name_links(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The name-only rows linked by name to a person with an email, one row per link:
    the link key, the email key it joined, and the person (id, name, email)."""
    return con.execute(sql_text("resolve/links.sql")).df()


def unlink(con: duckdb.DuckDBPyConnection, link_key: str) -> None:
    """Undo a link by name: the name-only rows of *link_key* are no longer joined to the
    email's person (a keep-apart decision between the two keys), and rebuild."""
    row = con.execute("SELECT key FROM identifier WHERE key = $k AND kind = 'name'",
                      {"k": link_key}).fetchone()
    email = link_key.rpartition("|")[2]
    if row is None or "|" not in link_key or not email:
        raise ValueError(f"there is no link {link_key!r}")
    with transaction(con):
        con.execute("INSERT OR REPLACE INTO identity_decision VALUES ('apart', $a, $b, now())",
                    {"a": link_key, "b": "email:" + email})
        rebuild(con)
        bump_data_version(con)


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
