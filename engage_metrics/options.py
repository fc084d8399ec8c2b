"""The analyst's choices for one import, a plain value that both the importer and the
source adapters read (the adapters fill in source, mapping and statuses). It imports
nothing of Engage, so neither side has to import the other to name it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class ImportOptions:
    """Choices an analyst makes for one import."""

    kind: str = "participation"
    source: str = "auto"        # auto-detect an adapter, an adapter name, or any label
    mapping: dict[str, str] | None = None
    # the analyst's own mapping (``mapping`` as given, before an adapter fills it in), kept
    # by the importer: a choice of the import, recorded and compared when the same file is
    # imported again; None: the mapping was detected (the tool's, or from the headers)
    analyst_mapping: dict[str, str] | None = None
    treat_registered_as_attended: bool = False
    sheet: str | None = None
    statuses: dict[str, str] | None = None   # the source's status table; None: generic
    event_title: str | None = None  # the file is one event's list (Eventbrite, Action Network …)
    event_date: str | None = None
    # event name -> date, for a report that names its events without dates (--event-dates)
    event_dates: dict[str, str] | None = None
    # set by the adapters: the file has dates but no event column, so its events are one
    # per date (and program), keyed on the date rather than the minute
    event_per_date: bool = False
    # numeric dates: "dmy", "mdy" or "ymd"; None: decided from the file's own values
    date_order: str | None = None
    # the order a tool's export always writes (set by its adapter; None: a generic file)
    known_date_order: str | None = None
    # the header row, 1-based as the analyst sees the file or sheet; None: found by the
    # reader (under title rows, reader/layout.py)
    header_row: int | None = None
    # grouping columns (event, date …) written once per block of rows are filled down;
    # False: no column is filled down (the notes say what would have been)
    fill_down: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"treat_registered_as_attended": self.treat_registered_as_attended,
                "sheet": self.sheet, "event_title": self.event_title,
                "event_date": self.event_date, "date_order": self.date_order,
                "header_row": self.header_row, "fill_down": self.fill_down,
                **({"event_dates": self.event_dates} if self.event_dates else {}),
                # key order and null or "" (unmapped) do not matter
                **({"mapping": {f: c or "" for f, c in sorted(self.analyst_mapping.items())}}
                   if self.analyst_mapping else {})}


@dataclass(frozen=True)
class FileLayout:
    """One file's own layout choices in an import call of several files (the CLI's
    ``--header-row FILE=N`` and ``--no-fill-down-for FILE``, the Data page's boxes of each
    uploaded file). None leaves the call's choice (ImportOptions.header_row / fill_down)."""

    header_row: int | None = None   # 1-based, as the analyst sees the file or sheet
    fill_down: bool | None = None
