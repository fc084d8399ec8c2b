"""Text from the data, shown as text (docs/security.md, "Data is shown as text").

Streamlit renders Markdown in messages, captions, titles, the labels of widgets,
expanders, tabs and metrics, radio options and st.table cells; a file's name, a header
or a cell put there as written could fetch an image from any address
(``![x](http://…)``), plant a link or change what the page says. Tables
(st.dataframe, st.data_editor) show cells as text but let the user download or copy
them, and a spreadsheet runs a cell such as ``=HYPERLINK(…)``.

- :func:`plain` — text for Markdown, shown exactly as written (the one helper every
  page uses to interpolate data into Markdown);
- :func:`cells` — a table's cells for display: formula-like cells neutralized the way
  Engage's own CSV downloads do it (engage_metrics.export), and for st.table also plain;
- :func:`visible` — bidirectional controls stripped (at import too, see
  engage_metrics.importer), so that "Ann\\u202egnp.exe" cannot pose as "Annexe.png".

No Streamlit here: the rules are tested on their own.
"""
from __future__ import annotations

import re
from typing import Any

import pandas as pd

from engage_metrics.export import FORMULA_STARTS, neutralize

# Bidirectional embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI):
# they reorder what follows them on screen. Stripped, not replaced: a name keeps its
# letters, in the order they were typed.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# other control characters (C0 but tab and newline, DEL, C1): invisible or breaking
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Characters that start Markdown (CommonMark, GFM, Streamlit's own :color[…] and
# :emoji: forms, $math$) anywhere in a line; a backslash before them shows them as they
# are (CommonMark escapes every ASCII punctuation character).
# an underscore between two letters or digits never emphasizes ("starts_at" stays as is)
_INLINE = re.compile(r"([\\`*~\[\]<>&$|]|(?<![^\W_])_|_(?![^\W_]))")
# Streamlit reads ":name" as a directive (":red[…]", ":material/icon:") and ":name:" as an
# emoji, in the Markdown source: a backslash goes before a colon that opens one and
# before one that closes a ":name" ("file: message" and "09:30" stay as they are)
_OPENING_COLON = re.compile(r":(?=[A-Za-z_+/-])")
_CLOSING_COLON = re.compile(r"(?<=:)([\w+/-]+):")
_ICON_SLASH = re.compile(r"(?<=:)([A-Za-z_]+)/")          # :material/icon: needs its slash
# what starts a block at the beginning of a line (after its indentation): a heading, a
# quote, a list item, a setext underline; and an ordered list item's "1." or "1)"
_BLOCK = re.compile(r"^([ \u00a0]*)([#>+=-])", re.M)
_ORDERED = re.compile(r"^([ \u00a0]*\d+)([.)])", re.M)
# GFM turns bare addresses into links (www.x.y, http(s)://…, a@b.c) after escapes are
# read, so no escape helps: a word joiner (U+2060, invisible) breaks the pattern
_AUTOLINK = re.compile(r"(?i)(https?|www)(?=\\?[:.])|(@)(?=\w)")
WORD_JOINER = "\u2060"


def visible(value: str) -> str:
    """*value* without bidirectional control characters."""
    return BIDI_CONTROLS.sub("", value)


def plain(value: Any) -> str:
    """*value* as text for anything Streamlit renders as Markdown: shown exactly as
    written (no image, link, emphasis, heading, list, emoji or math from it), without
    bidirectional or other control characters, on as many lines as it has."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _CONTROLS.sub("", visible(text))
    text = _CLOSING_COLON.sub("\\1\x00", _INLINE.sub(r"\\\1", text))   # NUL: no control is left
    text = _OPENING_COLON.sub(r"\\:", text).replace("\x00", "\\:")
    text = _ICON_SLASH.sub(r"\1\\/", text)
    text = _ORDERED.sub(r"\1\\\2", _BLOCK.sub(r"\1\\\2", text))
    # four spaces open a code block: such an indentation is kept as no-break spaces
    text = re.sub(r"^ {4,}", lambda m: "\u00a0" * len(m.group(0)), text, flags=re.M)
    return _AUTOLINK.sub(lambda m: (m.group(1) or m.group(2)) + WORD_JOINER, text)


def cell(value: Any, markdown: bool = False) -> Any:
    """One table cell for display: text without bidirectional controls, a leading ' when
    a spreadsheet would read it as a formula, and plain when the table renders Markdown."""
    if not isinstance(value, str):
        return value
    shown = neutralize(visible(value))
    return plain(shown) if markdown else shown


def cells(frame: pd.DataFrame, markdown: bool = False) -> pd.DataFrame:
    """A copy of *frame* as a table shows it: every text cell, column name and index label
    through :func:`cell` (numbers, dates and missing values unchanged). With *markdown*
    (st.table renders its cells as Markdown) the texts are also :func:`plain`."""
    out = frame.copy()
    out.columns = pd.Index([cell(c, markdown) for c in out.columns], name=out.columns.name)
    if _has_text(out.index):
        out.index = pd.Index([cell(v, markdown) for v in out.index], name=out.index.name)
    for i in range(out.shape[1]):
        column = out.iloc[:, i]
        if column.dtype != object and pd.api.types.is_string_dtype(column.dtype) and not markdown:
            out.isetitem(i, _string_cells(column))      # the same as cell(), column-wise
        elif _has_text(column):
            out.isetitem(i, column.map(lambda v: cell(v, markdown)).astype(object))
    return out


def _string_cells(column: pd.Series) -> pd.Series:
    """:func:`cell` of a column of pandas' string dtype, vectorized (a People list of
    2,000 rows is shown on every rerun)."""
    if column.str.contains(BIDI_CONTROLS.pattern, regex=True).any():
        column = column.str.replace(BIDI_CONTROLS.pattern, "", regex=True)
    formula = column.str.startswith(FORMULA_STARTS).fillna(False).astype(bool)
    return column.where(~formula, "'" + column) if formula.any() else column


def _has_text(values: pd.Series | pd.Index) -> bool:
    return values.dtype == object or pd.api.types.is_string_dtype(values.dtype)


def restore(shown: pd.DataFrame, original: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The frame a data editor returns (it edits the shown cells) with *original*'s values
    back in *columns* (those it does not let the user edit, by row) and the ' that
    :func:`cell` put before formula-like text taken off the others: what the page saves
    is the data, not its display."""
    out = shown.copy()
    out.columns = original.columns
    for name in original.columns:
        if name in columns:
            out[name] = original[name].reindex(out.index)
        elif _has_text(out[name]):
            out[name] = out[name].map(_unneutralize).astype(object)
    return out


def _unneutralize(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
