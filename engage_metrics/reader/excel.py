"""The Excel reader: a sheet of an .xlsx workbook into a RawTable, cells as text and
line numbers as the sheet's row numbers."""
from __future__ import annotations

import io
import zipfile

import pandas as pd

from engage_metrics.reader.table import RawTable, ReadError, table_from_records


def read_excel(data: bytes, name: str, sheet: str | None = None) -> RawTable:
    """First sheet with data (or the named one) of an .xlsx workbook, as text cells."""
    try:
        book = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, dtype=str,
                             engine="openpyxl")
    except zipfile.BadZipFile as exc:
        raise ReadError(f"{name} is not a valid .xlsx workbook ({exc}). Open it in Excel and "
                        "save it again as .xlsx, or export the data as CSV.") from exc
    except Exception as exc:  # openpyxl raises many types for encrypted or broken files
        raise ReadError(f"{name} could not be opened as an Excel workbook: it may be "
                        "password-protected or damaged. Remove the password or save it "
                        "again as .xlsx or CSV.") from exc
    sheets = {k: v for k, v in book.items() if not v.dropna(how="all").empty}
    if not sheets:
        raise ReadError(f"{name}: every sheet of the workbook is empty. Check that this is "
                        "the right file and export it again.")
    notes = []
    if sheet is not None:
        if sheet not in book:
            raise ReadError(f"{name} has no sheet named {sheet!r}; its sheets are "
                            f"{', '.join(book)}. Choose one of them.")
        chosen = sheet
    else:
        chosen = next(iter(sheets))
        if len(sheets) > 1:
            notes.append(f"workbook has {len(sheets)} sheets with data "
                         f"({', '.join(sheets)}); read {chosen!r}. Choose another sheet to "
                         "import it instead.")
    frame = book[chosen].fillna("")
    frame = frame.loc[frame.ne("").any(axis=1).idxmax():] if frame.ne("").any().any() else frame
    records = frame.astype(str).values.tolist()
    line_nos = [int(i) + 1 for i in frame.index]
    raws = [",".join(r) for r in records]
    table = table_from_records(records, line_nos, raws, f"{name} [{chosen}]", "xlsx", None, notes)
    table.sheet = chosen if len(sheets) > 1 else None
    return table
