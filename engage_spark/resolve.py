"""Identity resolution and the canonical tables on Spark: the DuckDB path's full rebuild
(:func:`engage_metrics.resolve.rebuild`), statement for statement, from the same files.

records.sql finds each journal row's identifier keys (placeholders, shared addresses,
name-only rules, links by name and the analyst's keep-apart decisions included);
graph_all.sql and keys.sql make the graph of records and keys (merge decisions are edges)
and register new keys after the highest ident_no kept; then connected components by label
propagation: propagate.sql, one step, repeated on Spark until no key's label changes (at
most :data:`engage_metrics.resolve.MAX_PROPAGATION_STEPS` steps, as in DuckDB). build.sql,
configure.sql, facts.sql and ties.sql write person, event, participation, ask, the
per-person facts and the co-attendance the depth score reads (tie_step). The lake's
identifier and event tables are the state those statements continue from (ident_no and
event ids are kept, new ones come after the highest), so a lake's ids are the DuckDB
store's for the same imports.

The whole journal is resolved again at every change (an import, an undo, a merge): the
DuckDB path's incremental update gives what its full rebuild gives
(tests/test_incremental.py), and a full derivation is what scales out on Spark.
"""
from __future__ import annotations

from engage_metrics.resolve import MAX_PROPAGATION_STEPS
from engage_spark.script import Tables

# what a derivation writes (the canonical tables and facts)
DERIVED = ("identifier", "record_key", "person", "event", "participation", "ask",
           "person_fact", "person_program_fact", "tie_step")
# the temp tables of a derivation, dropped at its end
TEMP = ("rec", "new_key", "graph_key", "rec_label", "rec_weak", "rec_link", "key_label",
        "key_label_next", "rec_scope", "decision_key", "removed_event", "touched_key",
        "old_person", "scope_person", "scope_event", "rec_person", "fact_person",
        "event_now", "event_was", "cfg_event", "cfg_person", "tie_person")


class NotConverged(RuntimeError):
    """Label propagation did not settle within the cap."""


def derive(tables: Tables) -> int:
    """Resolve every record of the journal views of *tables* and write the canonical
    tables and facts (:data:`DERIVED`) as its views; returns the propagation steps."""
    spark = tables.spark
    tables.put("rec_scope", spark.sql("SELECT import_id FROM import_log"))
    tables.put("decision_key", spark.sql("SELECT CAST(NULL AS STRING) AS key WHERE FALSE"))
    tables.put("removed_event", spark.sql("SELECT CAST(NULL AS STRING) AS source, "
                                          "CAST(NULL AS STRING) AS event_key WHERE FALSE"))
    tables.run("resolve/records.sql")
    tables.run("resolve/graph_all.sql")
    tables.run("resolve/keys.sql")
    steps = label(tables)
    tables.run("resolve/scope_event.sql", {"full": True})
    tables.run("resolve/build.sql")
    tables.run("resolve/configure.sql")
    tables.run("resolve/facts.sql")
    tables.put("tie_person", spark.sql("SELECT CAST(NULL AS INT) AS person_id WHERE FALSE"))
    tables.run("resolve/ties.sql", {"full": True})
    for name in TEMP:
        if spark.catalog.tableExists(name):
            tables.drop(name)
    return steps


def label(tables: Tables) -> int:
    """Connected components of the graph's records and keys: propagate.sql until no key
    takes a smaller label (rec_label: each record's person). Returns the steps taken."""
    for step in range(1, MAX_PROPAGATION_STEPS + 1):
        tables.run("resolve/propagate.sql")
        changed = tables.count("SELECT COUNT(*) FROM key_label_next n JOIN key_label k "
                               "ON k.key = n.key WHERE n.label < k.label")
        tables.put("key_label", tables.spark.table("key_label_next"))
        if not changed:
            return step
    raise NotConverged("identity resolution did not converge")
