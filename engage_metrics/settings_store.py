"""Reading and saving what the analyst edits on the Settings page.

The classification (keyword -> task / relationship / mixed) and the ladder
(role or event-type keyword -> rung) live in the database; saving them
re-applies them to every event and participation and bumps the data version in
one transaction, so every number on every page is recomputed with the new
configuration.
"""
from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from engage_metrics import config, metrics, resolve
from engage_metrics.rows import insert_rows
from engage_metrics.transaction import bump_data_version, transaction

LADDER_KINDS = ("role", "event_type")


def event_types(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every event type in the data with its mode, rung and use; unclassified ones first."""
    return con.execute("""
        SELECT COALESCE(e.event_type, '(no type)') AS event_type,
               NOT BOOL_AND(e.classified) AS unclassified,
               MODE(e.mode) AS mode,
               MAX(e.type_rung) AS rung,
               COUNT(DISTINCT e.event_id) AS events,
               COUNT(p.person_id) FILTER (WHERE p.status = 'attended') AS attended
        FROM event e
        LEFT JOIN participation p ON p.event_id = e.event_id
        GROUP BY 1
        ORDER BY unclassified DESC, attended DESC, event_type
    """).df()


def roles(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every role in the data with the rung the ladder gives it (as resolve/configure.sql
    matches roles: the longest matching role keyword, else 2)."""
    resolve.install_macros(con)
    return con.execute("""
        WITH roles AS (
            SELECT role, COUNT(*) AS participations, ' ' || norm_words(role) || ' ' AS w
            FROM participation GROUP BY role
        )
        SELECT r.role,
               COALESCE(arg_min(l.rung, -LENGTH(l.keyword) * 10 - l.rung), 2) AS rung,
               r.participations
        FROM roles r
        LEFT JOIN ladder l ON l.kind = 'role' AND POSITION(' ' || l.keyword IN r.w) > 0
        GROUP BY r.role, r.participations
        ORDER BY r.participations DESC, r.role
    """).df()


def unclassified_count(con: duckdb.DuckDBPyConnection) -> int:
    """Event types for which no classification keyword matched (counted as mixed)."""
    return int(con.execute(
        "SELECT COUNT(DISTINCT COALESCE(event_type, title)) FROM event WHERE NOT classified"
    ).fetchall()[0][0])


def classification(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("SELECT keyword, mode FROM classification ORDER BY mode, keyword").df()


def ladder(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("SELECT kind, keyword, rung FROM ladder ORDER BY kind, rung, keyword").df()


def _clean(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Rows with a keyword, keywords normalized, later duplicates winning."""
    out = frame[columns].dropna(subset=["keyword"]).copy()
    out["keyword"] = out["keyword"].astype(str).map(config.normalize_keyword)
    out = out[out["keyword"] != ""]
    return out.drop_duplicates(subset=[c for c in columns if c in ("kind", "keyword")], keep="last")


def validate_classification(frame: pd.DataFrame) -> list[str]:
    """Problems that would stop the classification from being saved (empty: fine)."""
    rows = _clean(frame, ["keyword", "mode"])
    bad = sorted(set(rows.loc[~rows["mode"].isin(config.MODES), "keyword"]))
    return [f"keyword {k!r}: choose task, relationship or mixed" for k in bad]


def validate_ladder(frame: pd.DataFrame) -> list[str]:
    rows = _clean(frame, ["kind", "keyword", "rung"])
    problems = [f"keyword {k!r}: kind must be role or event_type"
                for k in rows.loc[~rows["kind"].isin(LADDER_KINDS), "keyword"]]
    rung = pd.to_numeric(rows["rung"], errors="coerce")
    problems += [f"keyword {k!r}: rung must be a whole number from 1 to 5"
                 for k in rows.loc[~rung.isin([1, 2, 3, 4, 5]), "keyword"]]
    return problems


def save_configuration(con: duckdb.DuckDBPyConnection, classification_rows: pd.DataFrame,
                       ladder_rows: pd.DataFrame,
                       progress: resolve.Progress = resolve.no_progress) -> None:
    """Replace the classification and the ladder, re-apply them, bump the data version."""
    problems = validate_classification(classification_rows) + validate_ladder(ladder_rows)
    if problems:
        raise ValueError("; ".join(problems))
    modes = _clean(classification_rows, ["keyword", "mode"])
    rungs = _clean(ladder_rows, ["kind", "keyword", "rung"])
    with transaction(con):
        con.execute("DELETE FROM classification")
        insert_rows(con, "INSERT INTO classification", modes.itertuples(index=False, name=None))
        con.execute("DELETE FROM ladder")
        insert_rows(con, "INSERT INTO ladder",
                    [(k, w, int(r)) for k, w, r in rungs.itertuples(index=False, name=None)])
        resolve.apply_configuration(con, progress)
        bump_data_version(con)


def save_edits(con: duckdb.DuckDBPyConnection, modes: dict[str, str] | None = None,
               type_rungs: dict[str, int] | None = None,
               role_rungs: dict[str, int] | None = None,
               progress: resolve.Progress = resolve.no_progress) -> None:
    """Set the mode / rung of event types and roles as they appear in the data.

    Each edit is stored as a keyword equal to the whole (normalized) name, which
    outranks shorter keywords because the longest matching keyword wins."""
    modes, type_rungs, role_rungs = modes or {}, type_rungs or {}, role_rungs or {}
    bad = [m for m in modes.values() if m not in config.MODES]
    bad += [str(r) for r in (*type_rungs.values(), *role_rungs.values())
            if int(r) not in range(1, 6)]
    if bad:
        raise ValueError(f"not a mode or a rung from 1 to 5: {', '.join(bad)}")
    # keyed as the tables are: of two names that normalize alike, the last edit wins
    keywords = {config.normalize_keyword(t): m for t, m in modes.items()
                if config.normalize_keyword(t)}
    rungs = {(kind, config.normalize_keyword(name)): int(rung)
             for kind, edits in (("event_type", type_rungs), ("role", role_rungs))
             for name, rung in edits.items() if config.normalize_keyword(name)}
    with transaction(con):
        insert_rows(con, "INSERT OR REPLACE INTO classification", keywords.items())
        insert_rows(con, "INSERT OR REPLACE INTO ladder",
                    [(kind, keyword, rung) for (kind, keyword), rung in rungs.items()])
        resolve.apply_configuration(con, progress)
        bump_data_version(con)


def save_settings(con: duckdb.DuckDBPyConnection, values: dict[str, Any],
                  progress: resolve.Progress = resolve.no_progress) -> None:
    """Store settings (hourly_value, fiscal_year_start_month, org_name, depth, lapse_days …)
    together, and recompute the snapshots that depend on them."""
    # validate the depth formula's weights, divisors and tiers and the lapse threshold
    # before anything is written
    if "depth" in values:
        config.DepthConfig.from_dict(values["depth"])
    if "lapse_days" in values:
        config.check_lapse_days(values["lapse_days"])
    if "date_order" in values:
        config.check_date_order(values["date_order"])
    with transaction(con):
        for key, value in values.items():
            config.set_setting(con, key, value)
        if "depth" in values:
            progress(0.1, "Everyone's relationship depth with the new formula")
            metrics.refresh_depth_snapshot(con)
        if "lapse_days" in values:     # window facts count recent attendances; window_person
            progress(0.6, "The windows' facts per person and program")
            metrics.refresh_window_snapshot(con)   # and window_depth follow
        elif "depth" in values:
            progress(0.6, "The windows' people with their depth")
            metrics.refresh_window_person_snapshot(con)   # window_depth holds depth
        progress(1.0, "Done")
        bump_data_version(con)


def reset_configuration(con: duckdb.DuckDBPyConnection,
                        progress: resolve.Progress = resolve.no_progress) -> None:
    """Back to the classification and ladder shipped in data/engage.toml."""
    from engage_metrics.db import seed_configuration

    with transaction(con):
        con.execute("DELETE FROM classification")
        con.execute("DELETE FROM ladder")
        seed_configuration(con)
        resolve.apply_configuration(con, progress)
        bump_data_version(con)
