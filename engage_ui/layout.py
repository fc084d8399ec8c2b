"""Page scaffolding shared by every page: the error guard, KPI cards, charts,
tables with hidden names, the start screen of an empty store.

Every table of the dashboard is drawn here (:func:`dataframe`, :func:`static_table`,
:func:`editor`; tests/test_architecture.py checks that no page calls Streamlit's own),
with its cells as :func:`engage_ui.text.cells` shows them; every text from the data that
a page puts into Markdown goes through :func:`plain`."""
from __future__ import annotations

import functools
import logging
import traceback
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from engage_metrics import db, demo, faults, registry
from engage_metrics.export import to_csv_bytes
from engage_ui import access, data, multipage, readonly, store, text
from engage_ui.text import plain

log = logging.getLogger("engage.dashboard")
PERSONAL = ("name", "name_a", "name_b", "email", "email_a", "email_b", "phone", "phone_a",
            "phone_b", "full_name", "first_name", "last_name", "raw")
PLOTLY_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"scale": 2}}


def log_failure(what: str, exc: BaseException) -> None:
    """Log a failure by its type and where it happened, never its message: messages
    can quote a cell of an upload (a name, an email), and logs must hold no personal data."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = " <- ".join(f"{Path(f.filename).name}:{f.lineno}" for f in reversed(frames[-6:]))
    log.error("%s: %s at %s", what, type(exc).__name__, where)


def guarded(body: Callable[[], None]) -> Callable[[], None]:
    """Run a page body; an engine error becomes a clear message, never a traceback. A fault
    of the store (damaged, a write that failed on a full disk) says what happened and what
    to do; any other error says the page failed. Only analysts see the error's own words
    (which may quote their data) and are pointed to the pages only they can open."""
    @functools.wraps(body)
    def run() -> None:
        multipage.require_entry_point()
        try:
            body()
        except Exception as exc:  # noqa: BLE001 - the user sees a message, the log the details
            fault = faults.explain(exc, path=store.lake_dir() or db.default_db_path())
            if fault is not None:       # its message names the file: the log's, not the page's
                if not isinstance(fault, (db.StoreBusy, db.StoreTooNew)):
                    log_failure("store fault", exc)
                log.error("store fault: %s", fault)
                st.error(store.after_fault(fault))
                return
            log_failure("page failed", exc)
            session = access.gate()
            if session is not None and session.is_analyst:
                st.error(f"This page could not be computed: {plain(exc)}. The other pages still "
                         "work; if this persists, check the Data page (last import) and the "
                         "Settings page.")
            else:
                st.error("This page could not be computed. The other pages still work; if this "
                         "persists, tell your Engage analyst.")
    return run


def progress_bar(title: str) -> Callable[[float, str], None]:
    """A progress bar for a long recomputation: the engine calls the returned function with
    the share done (0-1) and the step in words (resolve.Progress)."""
    bar = st.progress(0.0, text=title)

    def show(done: float, step: str) -> None:
        bar.progress(min(max(done, 0.0), 1.0), text=f"{title}: {step}")
    return show


def header(title: str, intro: str) -> None:
    """The page's title and its one-line introduction, as text (a title can hold the
    organization's name, an introduction the period)."""
    st.title(plain(title))
    st.caption(plain(intro))


def require_data() -> None:
    """Show the start screen and stop the page when the store holds no participations."""
    if not data.has_data():
        start_screen()
        st.stop()


def start_screen() -> None:
    st.title("Welcome to Engage")
    st.markdown(
        "Engage shows how well your organization turns **relationships into work** and "
        "**work into relationships**: who is active, who comes back, who takes on bigger "
        "roles, and whether relationships are deepening. There is no data yet — start with "
        "the demo organization, or upload your own volunteer and event exports.")
    session = access.gate()
    if session is None or not session.is_analyst:
        st.info("An analyst has not loaded any data yet. Ask your Engage analyst to upload "
                "the organization's exports.")
        return
    if store.read_only():       # a lake: Spark imports into it, nothing is loaded here
        readonly.data_notice()
        return
    left, right = st.columns(2, border=True)
    with left:
        st.subheader("🎪 Explore the demo")
        st.write("Three years of a made-up organization with five programs, from an all-task "
                 "canvassing team to a social committee. Takes a few seconds.")
        if st.button("Load the demo organization", type="primary", key="load_demo"):
            with st.spinner("Building the demo organization…"):
                try:
                    demo.build_demo(store.cursor())
                except Exception as exc:  # noqa: BLE001
                    log_failure("demo failed", exc)
                    fault = faults.explain(exc, path=db.default_db_path())
                    st.error(store.after_fault(fault) if fault is not None
                             else f"The demo could not be built: {plain(exc)}")
                    return
            st.rerun()
    with right:
        st.subheader("📤 Upload your exports")
        st.write("CSV or Excel exports from Mobilize, Action Network, EveryAction/VAN, "
                 "Eventbrite, sign-in sheets or any spreadsheet with a person, an event and a "
                 "date. You check the column mapping before anything is saved.")
        st.page_link("pages/data.py", label="Go to the Data page", icon="➡️")


def mask(frame: pd.DataFrame, hide: bool,
         id_columns: Sequence[str] = ("person_id",)) -> pd.DataFrame:
    """With *hide*, names become 'Person 123' and contact details are removed."""
    if not hide:
        return frame
    out = frame.copy()
    for col in out.columns:
        if col not in PERSONAL:
            continue
        suffix = col.rsplit("_", 1)[1] if col.endswith(("_a", "_b")) else ""
        id_col = next((c for c in id_columns if c.endswith(suffix)), None) if suffix else (
            id_columns[0] if id_columns else None)
        if col.startswith(("name", "full_name")) and id_col in out.columns:
            out[col] = "Person " + out[id_col].astype(str)
        else:
            out[col] = "hidden"
    if "reason" in out.columns:          # rejection reasons quote the cell ('x@y')
        out["reason"] = out["reason"].astype(str).str.replace(r"'[^']*'", "'…'", regex=True)
    return out


@dataclass(frozen=True)
class Kpi:
    metric_id: str | None
    label: str
    value: Any
    previous: Any = None
    unit: str = "count"
    help: str = ""
    lower_is_better: bool = False


def kpi(metric_id: str, value: Any, previous: Any = None, label: str | None = None,
        lower_is_better: bool = False) -> Kpi:
    """A KPI card for a registered metric: label, unit and help text from the registry."""
    m = registry.get(metric_id)
    return Kpi(metric_id, label or m.label, value, previous, m.unit,
               f"{m.definition}\n\nFormula: {m.formula}", lower_is_better)


def delta_text(value: Any, previous: Any, unit: str) -> str | None:
    if value is None or previous is None:
        return None
    diff = value - previous
    if unit == "ratio":
        return f"{diff * 100:+.1f} pts"
    if unit in ("score",):
        return f"{diff:+.1f}"
    if unit == "hours":
        return f"{diff:+,.0f} h"
    if unit == "currency":
        return f"{'+' if diff >= 0 else '−'}${abs(diff):,.0f}"
    return f"{diff:+,.0f}"


def kpi_cards(cards: Sequence[Kpi], per_row: int = 4,
              compare_label: str = "vs previous period") -> None:
    for i in range(0, len(cards), per_row):
        cols = st.columns(per_row)
        for col, card in zip(cols, cards[i:i + per_row], strict=False):   # last row may be short
            delta = delta_text(card.value, card.previous, card.unit)
            col.metric(card.label, registry.format_value(card.value, card.unit), delta,
                       delta_color="inverse" if card.lower_is_better else "normal",
                       help=card.help or None, border=True,
                       delta_description=compare_label if delta else None)


_FIGURES: OrderedDict[tuple, go.Figure] = OrderedDict()
_FIGURES_MAX = 128


def figure(build: Callable[..., go.Figure], *args: Any, **kwargs: Any) -> go.Figure:
    """``build(*args, **kwargs)``, kept per process on the content of its arguments: a
    rerun over unchanged data (a widget change elsewhere on the page) reuses the figure
    instead of building it again — plotly validates every property it is given, which
    costs tens of milliseconds per chart. Pages render the figure and never change it."""
    key = (build.__module__, build.__qualname__, _fingerprint(args), _fingerprint(kwargs))
    fig = _FIGURES.get(key)
    if fig is None:
        fig = _FIGURES[key] = build(*args, **kwargs)
        while len(_FIGURES) > _FIGURES_MAX:
            _FIGURES.popitem(last=False)
    else:
        _FIGURES.move_to_end(key)
    return fig


def _fingerprint(value: Any) -> Any:
    """A hashable stand-in for a chart argument (frames by their content)."""
    if isinstance(value, pd.DataFrame):
        return ("frame", tuple(map(str, value.columns)), tuple(map(str, value.dtypes)),
                int(pd.util.hash_pandas_object(value, index=True).sum()) if len(value) else 0,
                len(value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((str(k), _fingerprint(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_fingerprint(v) for v in value))
    return (type(value).__name__, repr(value))


def chart(fig: go.Figure, key: str | None = None) -> None:
    st.plotly_chart(fig, theme=None, config=PLOTLY_CONFIG, key=key)


def empty_note(what: str) -> None:
    st.info(f"No {what} in this period and these programs. Try a longer date window or fewer "
            "program filters.")


TABLE_ROWS = 2_000   # rows sent to the browser; the CSV download holds them all
Height = int | Literal["auto", "stretch", "content"]


def dataframe(frame: pd.DataFrame, key: str | None = None, column_config: dict | None = None,
              hide_index: bool | None = True, height: Height = "auto") -> None:
    """st.dataframe of *frame* as :func:`engage_ui.text.cells` shows it: what the
    table's toolbar downloads as CSV, or a user copies from it, holds the same neutralized
    cells as Engage's own CSV downloads (Streamlit offers no per-table switch for its
    toolbar, and its copy would carry the cells anyway)."""
    st.dataframe(text.cells(frame), hide_index=hide_index, column_config=column_config,
                 height=height, key=key)


def static_table(frame: pd.DataFrame, hide_index: bool | None = None) -> None:
    """st.table of *frame*: it renders every cell and header as Markdown, so each text is
    :func:`plain` (and neutralized, like every table)."""
    st.table(text.cells(frame, markdown=True), hide_index=hide_index)


def editor(frame: pd.DataFrame, key: str, disabled: Sequence[str] = (),
           column_config: dict | None = None,
           num_rows: Literal["fixed", "dynamic"] = "fixed") -> pd.DataFrame:
    """st.data_editor of *frame* shown as :func:`dataframe` shows a table; returns the
    edited frame with the data's own values (the columns in *disabled* as stored, the
    neutralizing ' taken off the others)."""
    edited = st.data_editor(text.cells(frame), key=key, disabled=list(disabled),
                            column_config=column_config, num_rows=num_rows, hide_index=True)
    return text.restore(edited, frame, list(disabled))


def table(frame: pd.DataFrame, hide: bool, column_config: dict | None = None,
          height: Height = "auto", key: str | None = None) -> None:
    """A table of at most TABLE_ROWS rows (in the frame's order), saying so when cut:
    sending a hundred thousand rows on every rerun would make the page slow. Names are
    masked when *hide*."""
    if len(frame) > TABLE_ROWS:
        st.caption(f"Showing the first {TABLE_ROWS:,} of {len(frame):,} rows; search or filter "
                   "to narrow them, or download the list for all of them.")
        frame = frame.head(TABLE_ROWS)
    dataframe(mask(frame, hide), key=key, column_config=column_config, height=height)


def download(frame: pd.DataFrame, file_name: str, label: str, hide: bool,
             key: str | None = None) -> None:
    """CSV download with names masked when hidden and formula injection neutralized.

    The CSV is built only when the button is clicked (deferred data), so a rerun of a
    page listing many people does not serialize them every time."""
    st.download_button(label, lambda: to_csv_bytes(mask(frame, hide)), file_name=file_name,
                       mime="text/csv", key=key or f"dl_{file_name}", icon="⬇️")


def selected_programs(rows: pd.DataFrame, window: Any) -> pd.DataFrame:
    """Per-program rows limited to the sidebar's programs (the organization row always kept)."""
    if not window.programs:
        return rows
    return rows[rows["program"].isin(("Organization", *window.programs))]
