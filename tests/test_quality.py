"""Data-quality cards: per import and for the whole database, on a tiny
hand-built pair of imports of one source."""
from __future__ import annotations

from datetime import date

import pandas as pd

from engage_metrics import quality, resolve
from engage_metrics.importer import import_files
from engage_metrics.options import ImportOptions

HEADER = "Email,Name,Event,Event Type,Date,Status\n"
FIRST = (HEADER +
         "a@x.org,Ana Lopez,Canvass,Canvass,2024-01-06,Attended\n"        # line 2
         "b@x.org,Bob Smith,Canvass,Canvass,2024-01-06,Registered\n"      # 3
         "r@x.org,Robert Smith,Canvass,Canvass,2024-01-06,Attended\n"     # 4 nickname of Bob
         "c@x.org,Cy Diaz,Zumba Night,Zumba,2024-01-10,Registered\n"      # 5 unclassified type
         ",Dee Ng,Zumba Night,Zumba,2024-01-10,Registered\n"              # 6 no email or phone
         "e@x.org,Eve Ray,Canvass,Canvass,2024-01-06,Maybe Later\n"       # 7 unknown status
         "f@x.org,=1+2,Canvass,Canvass,2024-01-06,Attended\n"             # 8 formula-looking name
         "g@x.org,Gus Kim,Canvass,Canvass,someday,Attended\n")            # 9 bad date
SECOND = (HEADER +
          "a@x.org,Ana Lopez,Canvass,Canvass,2024-01-06,Attended\n"       # same
          "b@x.org,Bob Smith,Canvass,Canvass,2024-01-06,Attended\n"       # changed
          "c@x.org,Cy Diaz,Zumba Night,Zumba,2024-01-10,Attended\n"       # changed
          ",Dee Ng,Zumba Night,Zumba,2024-01-10,Registered\n"             # same
          "h@x.org,Hal Lee,Potluck,Potluck,2024-01-20,Attended\n")        # added (r, f removed)
AS_OF = date(2025, 1, 1)


def records(frame, *cols):
    return [tuple(r) for r in frame[list(cols)].itertuples(index=False)]


def test_import_card_lists_every_problem(store, write):
    [r] = import_files(store, [write("first.csv", FIRST)])
    assert records(r.duplicates, "name_a", "name_b", "why") == [
        ("Bob Smith", "Robert Smith", "same name (nickname)")]
    card = quality.import_quality(store, r.import_id, as_of=AS_OF)
    assert card["import"]["file_name"] == "first.csv" and card["import"]["rows_rejected"] == 2
    assert records(card["unmarked_events"], "title", "registered") == [("Zumba Night", 2)]
    assert records(card["unmapped_statuses"], "source", "column_kind", "value", "rows", "first_line") == [
        ("generic", "status", "Maybe Later", 1, 7)]
    assert records(card["unclassified_types"], "event_type_or_title", "events") == [("Zumba", 1)]
    assert records(card["people_without_contact"], "full_name", "weak_identity") == [("Dee Ng", True)]
    assert records(card["rejected_by_reason"], "kind", "rows", "first_line") == [
        ("unknown status '…'", 1, 7), ("unparseable date '…'", 1, 9)]
    assert records(card["formula_cells"], "field", "value", "rows") == [("name", "=1+2", 1)]
    assert card["date_range"] == {"first": date(2024, 1, 6), "last": date(2024, 1, 10)}
    assert card["size"] == {"people": 6, "events": 2, "participations": 6}
    assert card["summary"] == {
        "unmarked_events": 1, "unmapped_status_values": 1, "unmapped_status_rows": 1,
        "unclassified_types": 1, "people_without_contact": 1, "suspected_duplicates": 1,
        "rejected_rows": 2, "formula_cells": 1}
    assert card["diff"] == {"previous_import_id": None,
                            "rows": {"added": 6, "changed": 0, "removed": 0, "same": 0},
                            "people": {"added": 6, "changed": 0, "removed": 0, "same": 0},
                            "events": {"added": 2, "changed": 0, "removed": 0, "same": 0}}


def test_diff_against_the_previous_import_of_the_same_source(store, write):
    import_files(store, [write("first.csv", FIRST)])
    # another source in between is not "the previous import"
    import_files(store, [write("other.csv", HEADER + "z@x.org,Zed,Canvass,Canvass,2024-01-06,Attended\n")],
                 ImportOptions(source="civicrm"))
    [r] = import_files(store, [write("second.csv", SECOND)])
    assert quality.previous_import(store, r.import_id) == 1
    assert quality.import_diff(store, r.import_id) == {
        "previous_import_id": 1,
        # rows: a, Dee same; b, c changed status; r, f gone; h new
        "rows": {"added": 1, "changed": 2, "removed": 2, "same": 2},
        "people": {"added": 1, "changed": 2, "removed": 2, "same": 2},
        # Canvass and Zumba Night unchanged, Potluck new
        "events": {"added": 1, "changed": 0, "removed": 0, "same": 2}}
    assert quality.import_diff(store, 2)["previous_import_id"] is None


def test_database_card(store, write):
    import_files(store, [write("first.csv", FIRST)])
    import_files(store, [write("second.csv", SECOND)])
    card = quality.database_quality(store, as_of=AS_OF)
    assert card["unmarked_events"].empty             # Cy's attendance is now marked
    assert card["summary"]["rejected_rows"] == 2
    assert card["summary"]["suspected_duplicates"] == 1
    assert records(card["people_without_contact"], "full_name") == [("Dee Ng",)]
    assert card["date_range"] == {"first": date(2024, 1, 6), "last": date(2024, 1, 20)}
    latest = card["latest_imports"]
    assert records(latest, "source", "import_id", "previous_import_id", "rows_added",
                   "rows_changed", "rows_removed") == [("generic", 2, 1, 1, 2, 2)]
    # the candidates handed in (the Data page has them already) give the same card
    given = quality.database_quality(store, as_of=AS_OF,
                                     candidates=resolve.identity_candidates(store))
    pd.testing.assert_frame_equal(given["suspected_duplicates"], card["suspected_duplicates"])
    assert given["summary"] == card["summary"]


def test_keep_apart_removes_the_pair_from_the_card(store, write):
    from engage_metrics import resolve

    [r] = import_files(store, [write("first.csv", FIRST)])
    pair = r.duplicates.iloc[0]
    resolve.decide(store, "apart", int(pair.person_a), int(pair.person_b))
    assert quality.import_quality(store, r.import_id, as_of=AS_OF)["suspected_duplicates"].empty
