"""Reading an uploaded or exported file into rows of text, with exact line numbers.

The pieces, each importing only those listed above it:

- ``table``    — :class:`RawTable` (the cells as text, one row per record with its line
  number and raw text), :class:`ReadError`, and :func:`table_from_records`, which drops
  and counts blank, totals, repeated-header and footer rows.
- ``text``     — delimited text: decoding (UTF-8, UTF-16 with a BOM, Windows-1252, never
  a mix), the delimiter, records over physical lines (:func:`read_text`).
- ``excel``    — a sheet of an .xlsx workbook (:func:`read_excel`).
- ``files``    — a file's bytes or path: the upload limit, binary files refused with what
  to do, then the Excel or the text reader (:func:`read_bytes`).
- ``fast_csv`` — a big UTF-8 CSV file read from disk by DuckDB's read_csv, with the same
  cells, line numbers and skipped rows as read_text (:func:`load_fast_csv`, used by the
  importer, which falls back to read_bytes whenever the readings could differ).
"""
from engage_metrics.reader.excel import read_excel
from engage_metrics.reader.fast_csv import (
    HEAD_BYTES,
    WHITESPACE,
    CsvHead,
    CsvScan,
    FastCsv,
    drop_fast_csv,
    fast_csv_head,
    fast_csv_min_bytes,
    load_fast_csv,
    read_head,
    read_lines,
    scan_csv,
)
from engage_metrics.reader.files import (
    MAX_UPLOAD_BYTES,
    check_size,
    max_upload_bytes,
    read_bytes,
    read_path,
)
from engage_metrics.reader.table import UNSAVED_SEP, RawTable, ReadError, table_from_records
from engage_metrics.reader.text import read_text

__all__ = ["HEAD_BYTES", "MAX_UPLOAD_BYTES", "WHITESPACE", "CsvHead", "CsvScan", "FastCsv",
           "RawTable", "ReadError", "check_size", "drop_fast_csv", "fast_csv_head",
           "fast_csv_min_bytes", "load_fast_csv", "max_upload_bytes", "read_bytes",
           "read_excel", "read_head", "read_lines", "read_path", "read_text", "scan_csv",
           "table_from_records", "UNSAVED_SEP"]
