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
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

from engage_metrics.rows import insert_rows
from engage_metrics.transaction import MACROS_MARK, bump_data_version, transaction

SQL_DIR = Path(__file__).with_name("sql")
MAX_PROPAGATION_STEPS = 100
# above this share of the people with participations (person_fact) touched, refresh_ties
# writes every row
TIES_PARTIAL_SHARE = 0.5


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

    The reference path (and the ``rebuild`` command): every record and every person again.
    Runs inside the caller's transaction. Leaves the identity notes of the latest import
    (placeholders, shared addresses, rows that are their own person, links by name) for
    :func:`take_identity_notes`."""
    _derive(con, full=True)


def update(con: duckdb.DuckDBPyConnection, imports: Iterable[int] = (),
           keys: Iterable[str] = ()) -> None:
    """Bring the canonical tables up to date after a change to the journal or the
    decisions, at the cost of what the change touches: *imports* were added, undone
    (their journal rows gone; :func:`forget_import` ran first) or have records that changed
    (a link by name undone); *keys* are joined by a new merge decision. Only the people
    holding a key of those records (before or after) and the events of those rows are
    labelled and rebuilt, which gives what :func:`rebuild` gives (tests/test_incremental.py).
    Leaves the identity notes of the latest import of *imports* for
    :func:`take_identity_notes`."""
    _derive(con, full=False, imports=list(imports), keys=list(keys))


def forget_import(con: duckdb.DuckDBPyConnection, import_id: int) -> None:
    """Before an import's journal rows are deleted: remember the events of its rows, which
    :func:`update` rebuilds (the rows are gone by then)."""
    con.execute("CREATE TEMP TABLE IF NOT EXISTS removed_event (source VARCHAR, "
                "event_key VARCHAR)")
    con.execute("INSERT INTO removed_event SELECT DISTINCT source, event_key "
                "FROM raw_participation WHERE import_id = $id", {"id": import_id})


def _derive(con: duckdb.DuckDBPyConnection, *, full: bool, imports: list[int] | None = None,
            keys: list[str] | None = None) -> None:
    """Identity resolution and the canonical tables, for everything (*full*) or for what
    the change of *imports* and decision *keys* touches (docs/data-model.md)."""
    install_macros(con)
    con.execute("CREATE OR REPLACE TEMP TABLE rec_scope (import_id INTEGER)")
    con.execute("CREATE OR REPLACE TEMP TABLE decision_key (key VARCHAR)")
    con.execute("CREATE TEMP TABLE IF NOT EXISTS removed_event (source VARCHAR, "
                "event_key VARCHAR)")
    if full:
        con.execute("INSERT INTO rec_scope SELECT import_id FROM import_log")
    else:
        for i in imports or []:
            con.execute("INSERT INTO rec_scope VALUES ($i)", {"i": i})
        for k in keys or []:
            con.execute("INSERT INTO decision_key VALUES ($k)", {"k": k})
    con.execute(sql_text("resolve/records.sql"))
    con.execute(sql_text("resolve/graph_all.sql" if full else "resolve/graph_change.sql"))
    con.execute(sql_text("resolve/keys.sql"))
    _label(con)
    con.execute(sql_text("resolve/scope_event.sql"), {"full": full})
    if not full:    # what depth reads of the rows rebuilt, to tell which of them change
        con.execute(sql_text("resolve/depth_was.sql"))
    con.execute(sql_text("resolve/build.sql"))
    latest = con.execute("SELECT MAX(import_id) FROM import_log WHERE import_id IN "
                         "(SELECT import_id FROM rec_scope)").fetchall()[0][0]
    notes = [] if latest is None else identity_notes(con, latest)
    con.execute("CREATE OR REPLACE TEMP TABLE identity_note (import_id INTEGER, i INTEGER, "
                "note VARCHAR)")
    insert_rows(con, "INSERT INTO identity_note", [(latest, i, n) for i, n in enumerate(notes)])
    con.execute(sql_text("resolve/configure.sql"))
    con.execute(sql_text("resolve/facts.sql"))
    refresh_ties(con, full=full)
    if full:
        _refresh_snapshots(con)
    else:
        from engage_metrics import metrics

        metrics.update_snapshots(con)
    con.execute("DROP VIEW IF EXISTS depth_scope")
    for t in ("rec", "new_key", "graph_key", "rec_label", "rec_weak", "rec_link", "key_label",
              "key_label_next", "rec_scope", "decision_key", "removed_event", "touched_key",
              "old_person", "scope_person", "scope_event", "rec_person", "fact_person",
              "event_now", "event_was", "cfg_event", "cfg_person", "participation_was",
              "event_was_depth"):
        con.execute(f"DROP TABLE IF EXISTS {t}")  # noqa: S608 - fixed temp table names


def refresh_ties(con: duckdb.DuckDBPyConnection, *, full: bool = True) -> None:
    """Write tie_step again (sql/resolve/ties.sql), the co-attendance the depth score's ties
    part reads: for everyone (*full*), else for the people of temp table fact_person, whose
    participations changed. Before the snapshots, which read it."""
    con.execute("CREATE OR REPLACE TEMP TABLE tie_person (person_id INTEGER)")
    if not full:
        con.execute("INSERT INTO tie_person SELECT person_id FROM fact_person")
        # most people touched (a first import): writing every row is cheaper than testing
        # each pair's people against the list, and gives the same rows
        full = con.execute(
            "SELECT (SELECT COUNT(*) FROM tie_person) > $share * (SELECT COUNT(*) "
            "FROM person_fact)", {"share": TIES_PARTIAL_SHARE}).fetchall()[0][0]
    delete, insert = sql_text("resolve/ties.sql").split(";\n\n", 1)
    for statement in (delete, insert):
        con.execute(statement, {"full": full})
    con.execute("DROP TABLE tie_person")


def _label(con: duckdb.DuckDBPyConnection) -> None:
    """Connected components of the graph's records and keys (label propagation from the
    keys' ident_no): rec_label, each record's person."""
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


# a long recomputation's progress: called with the share done (0-1) and the step in words
Progress = Callable[[float, str], None]


def no_progress(done: float, step: str) -> None:
    """The default: nobody is told."""


def apply_configuration(con: duckdb.DuckDBPyConnection,
                        progress: Progress = no_progress) -> None:
    """Re-apply the classification and ladder to every event and participation (after a
    Settings change or a migration), then the per-person facts and the snapshots that
    depend on them. *progress* hears of each step (the Settings page's bar)."""
    install_macros(con)
    progress(0.0, "Classifying event types and giving every participation its rung")
    con.execute("CREATE OR REPLACE TEMP TABLE cfg_event AS SELECT event_id FROM event")
    con.execute("CREATE OR REPLACE TEMP TABLE cfg_person AS SELECT person_id FROM person")
    con.execute(sql_text("resolve/configure.sql"))
    con.execute("DROP TABLE cfg_event")
    con.execute("DROP TABLE cfg_person")
    # the classification and ladder set modes and rungs, never who attended: tie_step stays
    refresh_facts(con, progress, ties=False)


def refresh_facts(con: duckdb.DuckDBPyConnection, progress: Progress = no_progress, *,
                  ties: bool = True) -> None:
    """Recompute person_fact, tie_step (unless not *ties*) and the depth and window snapshots
    from the canonical tables."""
    progress(0.3, "Each person's history (first attendance, rungs reached)")
    con.execute("CREATE OR REPLACE TEMP TABLE fact_person AS SELECT DISTINCT person_id "
                "FROM participation")
    con.execute("DELETE FROM person_fact")
    con.execute("DELETE FROM person_program_fact")
    con.execute(sql_text("resolve/facts.sql"))
    if ties:
        refresh_ties(con)
    con.execute("DROP TABLE fact_person")
    _refresh_snapshots(con, progress)


def _refresh_snapshots(con: duckdb.DuckDBPyConnection,
                       progress: Progress = no_progress) -> None:
    from engage_metrics import metrics

    progress(0.45, "Everyone's relationship depth at the ends of the default window and the "
                   "one before it")
    metrics.refresh_depth_snapshot(con)
    progress(0.75, "The windows' facts per person and program")
    metrics.refresh_window_snapshot(con)
    progress(1.0, "Done")


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
    email's person (a keep-apart decision between the two keys); the imports holding it
    are resolved again."""
    row = con.execute("SELECT key FROM identifier WHERE key = $k AND kind = 'name'",
                      {"k": link_key}).fetchone()
    email = link_key.rpartition("|")[2]
    if row is None or "|" not in link_key or not email:
        raise ValueError(f"there is no link {link_key!r}")
    imports = [r[0] for r in con.execute(
        "SELECT DISTINCT CAST(rec >> 34 AS INTEGER) FROM record_key WHERE key = $k",
        {"k": link_key}).fetchall()]
    with transaction(con):
        con.execute("INSERT OR REPLACE INTO identity_decision VALUES ('apart', $a, $b, now())",
                    {"a": link_key, "b": "email:" + email})
        update(con, imports)        # their records are linked by name no more
        bump_data_version(con)


def decide(con: duckdb.DuckDBPyConnection, decision: str, person_a: int, person_b: int) -> None:
    """Record a merge / keep-apart decision between two people, keyed by their
    strongest identifiers so it survives re-imports; a merge joins the two people."""
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
            update(con, keys=[key_a, key_b])
        bump_data_version(con)
