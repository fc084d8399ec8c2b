"""CSV export that is safe to open in a spreadsheet.

A cell that starts with = + - @ (or a tab / carriage return) is read by Excel,
LibreOffice and Google Sheets as a formula, so an exported name such as
``=HYPERLINK(...)`` could run when an analyst opens the file (CSV/formula
injection, OWASP). Such cells are prefixed with a single quote, which
spreadsheets show as text.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: Any) -> Any:
    """The value with a leading ' when a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralized(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of *frame* whose text cells (and column names) cannot start a formula."""
    out = frame.copy()
    out.columns = [neutralize(str(c)) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralize).astype(object)
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV of the neutralized frame, with a BOM and CRLF line ends (what Excel expects;
    a CR inside a cell is then quoted instead of breaking the row)."""
    return neutralized(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
