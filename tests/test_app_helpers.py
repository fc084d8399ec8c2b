"""The dashboard's pure helpers: CSV neutralizing, the narrative, date presets, settings."""
from __future__ import annotations

import datetime as dt
import io

import pandas as pd

from engage_metrics import metrics, narrative, settings_store
from engage_metrics.export import neutralize, to_csv_bytes
from engage_ui.filters import preset_window

LAST = dt.date(2026, 10, 31)
FIRST = dt.date(2023, 11, 1)


def test_csv_export_neutralizes_formulas() -> None:
    frame = pd.DataFrame({"name": ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx", "\ry",
                                   "Ana", None], "n": [1, -2, 3, 4, 5, 6, 7, 8]})
    back = pd.read_csv(io.BytesIO(to_csv_bytes(frame)), encoding="utf-8-sig",
                       keep_default_na=False)
    assert list(back["name"]) == ["'=HYPERLINK(\"x\")", "'+1", "'-2", "'@SUM(A1)", "'\tx",
                                  "'\ry", "Ana", ""]
    assert list(back["n"]) == [1, -2, 3, 4, 5, 6, 7, 8]      # numbers stay numbers
    assert neutralize("a=b") == "a=b"


def test_presets_end_on_the_data_last_date() -> None:
    end = dt.date(2026, 11, 1)
    assert preset_window("Last 90 days", LAST, FIRST) == (dt.date(2026, 8, 3), end)
    assert preset_window("Last 12 months", LAST, FIRST) == (dt.date(2025, 11, 1), end)
    assert preset_window("Year to date", LAST, FIRST) == (dt.date(2026, 1, 1), end)
    assert preset_window("Fiscal year", LAST, FIRST, 7) == (dt.date(2026, 7, 1), end)
    assert preset_window("Fiscal year", dt.date(2026, 3, 5), FIRST, 7) == (
        dt.date(2025, 7, 1), dt.date(2026, 3, 6))
    assert preset_window("All time", LAST, FIRST) == (FIRST, end)
    assert preset_window("Custom", LAST, FIRST, custom=(dt.date(2026, 1, 1),
                                                         dt.date(2026, 1, 31))) == (
        dt.date(2026, 1, 1), dt.date(2026, 2, 1))


def _report(active, new, depth, task, strength, esc=0.1) -> dict:
    return {"participation": {"active": active, "new": new, "repeat_rate": 0.5,
                              "return_rate_90d": 0.4},
            "ladder": {"escalation_rate": esc, "escalated": 7},
            "depth": {"mean": depth},
            "spectrum": {"task_share": task, "relationship_strength": strength,
                         "quadrant": metrics.quadrant(task, strength)}}


def test_narrative_says_what_changed() -> None:
    now, before = _report(120, 30, 38, 0.81, 0.38), _report(100, 20, 44, 0.7, 0.44)
    rows = [{"program": "Organization", "attended": 500, "task_share": 0.81,
             "relationship_strength": 0.38, "quadrant": "All task (transactional)"},
            {"program": "Field", "attended": 300, "task_share": 0.9,
             "relationship_strength": 0.2, "quadrant": "All task (transactional)"},
            {"program": "Socials", "attended": 100, "task_share": 0.1,
             "relationship_strength": 0.7, "quadrant": "All relationship"}]
    text = narrative.narrate(now, before, rows,
                             [dict(rows[1], relationship_strength=0.3)])
    assert text[0] == ("The organization leans all-task: 81 % of participations are tasks and "
                       "mean relationship depth is 38, down from 44.")
    assert "120 people took part, up from 100, 30 of them for the first time." in text
    assert ("Field leans all-task: 90 % of participations are tasks and mean depth fell from "
            "30 to 20.") in text
    assert any(s.startswith("Socials leans all-relationship") for s in text)
    assert narrative.narrate(_report(0, 0, None, None, None)) == [
        "Nobody attended an event in this period."]


def test_settings_edit_reclassifies_and_bumps_the_version(store) -> None:
    from engage_metrics import importer
    from engage_metrics.transaction import data_version

    importer.import_frame(store, pd.DataFrame({
        "Email": ["a@x.org", "b@x.org"], "Event": ["Block party", "Block party"],
        "Event Type": ["Block party", "Block party"], "Start": ["2026-01-05", "2026-01-05"],
        "Status": ["attended", "attended"]}), "t.csv")
    types = settings_store.event_types(store)
    assert list(types["event_type"]) == ["Block party"] and types["unclassified"].all()
    assert settings_store.unclassified_count(store) == 1
    version = data_version(store)
    settings_store.save_edits(store, modes={"Block party": "relationship"})
    assert data_version(store) == version + 1
    types = settings_store.event_types(store)
    assert not types["unclassified"].any() and list(types["mode"]) == ["relationship"]
    w = metrics.Window(dt.date(2026, 1, 1), dt.date(2026, 2, 1))
    assert metrics.scalar(store, "task_share", **w.params()) == 0.0
    settings_store.reset_configuration(store)
    assert settings_store.unclassified_count(store) == 1


def test_figures_are_kept_on_the_content_of_their_data() -> None:
    """A rerun over the same data reuses the built figure; other data builds a new one."""
    from engage_metrics import charts
    from engage_ui import layout

    df = pd.DataFrame({"program": ["A", "B"], "n": [3, 5]})
    args = ("program", "n", "People by program", "Program", "People")
    first = layout.figure(charts.bar, df, *args)
    assert layout.figure(charts.bar, df.copy(), *args) is first          # equal content
    changed = layout.figure(charts.bar, df.assign(n=[3, 6]), *args)      # a value changed
    assert changed is not first and list(changed.data[0].y) == [3, 6]
    assert layout.figure(charts.bar, df, *args[:-1], "Volunteers") is not first  # a title


def test_long_tables_are_cut_with_a_note() -> None:
    from streamlit.testing.v1 import AppTest

    def app() -> None:
        import pandas as pd

        from engage_ui import layout
        layout.table(pd.DataFrame({"person_id": range(2_500), "name": "x"}), hide=False)

    at = AppTest.from_function(app).run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 2_000
    assert "first 2,000 of 2,500 rows" in at.caption[0].value
