"""A file's bytes (or path) into a RawTable: the upload limit, binary files that are not
exports refused with what to do, then the Excel or the text reader."""
from __future__ import annotations

import os
from pathlib import Path

from engage_metrics.reader.excel import read_excel
from engage_metrics.reader.table import RawTable, ReadError
from engage_metrics.reader.text import decode, read_text

MAX_UPLOAD_BYTES = 200 * 1024 * 1024   # default; ENGAGE_MAX_UPLOAD_MB overrides it
_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"%PDF": "a PDF document",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
}


def max_upload_bytes() -> int:
    """The upload limit: $ENGAGE_MAX_UPLOAD_MB megabytes, else MAX_UPLOAD_BYTES."""
    text = os.environ.get("ENGAGE_MAX_UPLOAD_MB", "").strip()
    try:
        return int(float(text) * 2**20) if text else MAX_UPLOAD_BYTES
    except ValueError:
        return MAX_UPLOAD_BYTES


def check_size(size: int, name: str) -> None:
    """Refuse a file over the upload limit from its size alone, before reading it."""
    limit = max_upload_bytes()
    if size > limit:
        raise ReadError(f"{name} is {size / 2**20:,.1f} MB; the upload limit is "
                        f"{limit / 2**20:,.1f} MB. Split the export by date range (or raise "
                        "ENGAGE_MAX_UPLOAD_MB) and upload the parts.")


def _ole_what(data: bytes) -> str:
    """An OLE compound file is an encrypted (password-protected) .xlsx or an old .xls/.doc."""
    if any(mark.encode("utf-16-le") in data for mark in ("EncryptedPackage", "EncryptionInfo")):
        return "a password-protected (encrypted) Excel workbook"
    return ("an old-style Excel (.xls) workbook or another Office file (or a "
            "password-protected .xlsx)")


def sniff_binary(data: bytes, name: str) -> None:
    """Refuse a file whose first bytes say it is no export (an image, a PDF, an archive, an
    old or encrypted Office file), naming what it is instead of failing on its text."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ReadError(f"{name} is {_ole_what(data)}, which Engage cannot read. Open it in "
                        "Excel, remove the password if it has one, save it as .xlsx (or CSV) "
                        "and upload that file.")
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise ReadError(f"{name} is {what}, not a CSV or Excel (.xlsx) export. "
                            "Export the data as CSV or .xlsx and upload that file.")
    if data.startswith(b"PK\x03\x04") and not name.lower().endswith((".xlsx", ".xlsm")):
        raise ReadError(f"{name} is a ZIP archive, not a CSV file. Unzip it and upload the "
                        "CSV inside, or rename an Excel workbook to .xlsx.")


def read_bytes(data: bytes, name: str, sheet: str | None = None, header_row: int | None = None,
               fill_down: bool = True) -> RawTable:
    """Parse an uploaded file (CSV/TSV/TXT or .xlsx) into a RawTable; the header on row
    *header_row* when given, grouping columns filled down unless *fill_down* is False."""
    check_size(len(data), name)
    if not data.strip():
        raise ReadError(f"{name} is empty (0 bytes of data). Export it again from your tool.")
    sniff_binary(data, name)
    if data.startswith(b"PK\x03\x04"):
        return read_excel(data, name, sheet, header_row, fill_down)
    text, encoding = decode(data, name)
    return read_text(text, name, encoding, header_row, fill_down)


def read_path(path: str | Path, sheet: str | None = None, header_row: int | None = None,
              fill_down: bool = True) -> RawTable:
    path = Path(path)
    check_size(path.stat().st_size, path.name)
    return read_bytes(path.read_bytes(), path.name, sheet, header_row, fill_down)
