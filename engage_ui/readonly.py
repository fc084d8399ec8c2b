"""What the dashboard says when it serves a lake (``ENGAGE_LAKE``), read-only: where the
data comes from and when it was last written (the sidebar), and, where the pages would
change it, how it is changed instead — imports and undo through ``./scripts/spark`` on
the lake, with the lake's own path in each command; identity decisions through ``./scripts/spark
decide``."""
from __future__ import annotations

import datetime as dt
import shlex

import streamlit as st

from engage_metrics.periods import fmt_date
from engage_ui import access, store
from engage_ui.text import plain

SPARK = "./scripts/spark"


def spark_command(action: str, *args: str) -> str:
    """The ``./scripts/spark`` command line of *action* on the lake served (its path
    quoted for a shell)."""
    return " ".join([SPARK, action, "--lake", shlex.quote(store.lake_state().path), *args])


def written_text() -> str:
    """When the lake was last written: '6 Dec 2026, 18:05 UTC'."""
    at: dt.datetime = store.lake_state().written_at
    return f"{fmt_date(at.date())}, {at:%H:%M} UTC"


def sidebar_note(session: access.Session) -> None:
    """The sidebar's note that the data comes from a lake (its path for analysts, who run
    the commands on it) and when it was last written; nothing on a DuckDB store."""
    if not store.read_only():
        return
    where = f" {plain(store.lake_state().path)}" if session.is_analyst else ""
    st.sidebar.caption(f"📦 Read-only: the data comes from the lake{where}, last written "
                       f"{written_text()}.")


def data_notice() -> None:
    """The Data page's notice in place of its upload controls."""
    st.info("This dashboard serves a lake, read-only: it shows what the lake holds (last "
            f"written {written_text()}) and changes nothing. Imports and undo go through "
            "Spark on the lake; the next page view here shows them.")
    st.code("\n".join([spark_command("import", "EXPORT.csv", "…"),
                       spark_command("undo", "IMPORT_ID"),
                       spark_command("decide", "merge", "PERSON_A", "PERSON_B"),
                       spark_command("history")]), language="bash")


def undo_notice(import_id: int) -> None:
    """In place of the undo button: the command that undoes *import_id* on the lake."""
    st.caption("Undo this import on the lake with:")
    st.code(spark_command("undo", str(import_id)), language="bash")


def decisions_notice() -> None:
    """Above the possible duplicates: the commands that record a decision on the lake (the
    pairs below name their people's numbers)."""
    st.caption("Read-only: merge two people, or keep them apart, on the lake with (the "
               "people's numbers as each pair below names them):")
    st.code("\n".join([spark_command("decide", "merge", "PERSON_A", "PERSON_B"),
                       spark_command("decide", "apart", "PERSON_A", "PERSON_B")]),
            language="bash")


def links_notice() -> None:
    """Above the name links: the command that undoes them on the lake (the links below
    name their person's number)."""
    st.caption("Read-only: undo the links by name into a person on the lake with (the "
               "person's number as each link below names it):")
    st.code(spark_command("unlink", "PERSON_ID"), language="bash")


def store_notice() -> None:
    """In place of the backup download: a lake is copied as a directory, or read back
    into a DuckDB store (where settings, targets and identity decisions are changed)."""
    path = shlex.quote(store.lake_state().path)
    st.caption("The lake is a directory of Parquet files: copy it to keep a copy. To work on "
               "it on one machine (settings, targets, identity decisions), read it into a "
               "DuckDB store and serve that, and export it again for Spark:")
    st.code(f"engage import-lake --lake {path} --db engage.duckdb\n"
            f"engage export-lake --db engage.duckdb --out NEW_LAKE", language="bash")


def settings_notice() -> None:
    """The Settings page's notice: what it shows is the lake's, and how it is changed."""
    st.info("This dashboard serves a lake, read-only: the settings, the ladder, the "
            "classification and the targets below are the lake's and cannot be changed "
            "here. Change them on a DuckDB store read from the lake (`engage import-lake`), "
            "then write the lake again (`engage export-lake`); imports and undo go through "
            f"`{SPARK} import` and `{SPARK} undo` on the lake.")
