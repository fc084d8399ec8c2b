"""Source adapters: recognize a tool's export from its header and import it
with the tool's own column names and status table, no manual mapping.

Adapter interface (see ADAPTERS): detection from the header, a mapping to
canonical fields, an explicit status table (unknown statuses are rejected rows
naming the value), and an optional transform of the read table (Zoom preamble
and re-join segments, CiviCRM "Last, First" sort names, …).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable

from engage_metrics.reader import RawTable

if TYPE_CHECKING:
    from engage_metrics.importer import ImportOptions


@dataclass(frozen=True)
class Adapter:
    name: str
    label: str
    mapping: dict[str, str]                       # canonical field -> header
    statuses: dict[str, str] | None = None        # None: the generic vocabulary
    registered_only: bool = False                 # the export carries no attendance
    transform: Callable[[RawTable], RawTable] | None = None


GENERIC = Adapter(name="generic", label="Generic CSV / Excel", mapping={})
ADAPTERS: dict[str, Adapter] = {"generic": GENERIC}


def detect(table: RawTable) -> Adapter:
    """The adapter whose export this table looks like (generic when none fits)."""
    return GENERIC


def adapt(table: RawTable, options: "ImportOptions") -> tuple[RawTable, "ImportOptions"]:
    """Apply the chosen (or detected) adapter: transform, mapping and statuses."""
    if options.source == "auto":
        adapter = detect(table)
        source = adapter.name
    else:
        adapter = ADAPTERS.get(options.source, GENERIC)
        source = options.source
    if adapter.transform is not None:
        table = adapter.transform(table)
    mapping = {**adapter.mapping, **(options.mapping or {})} if adapter.mapping else options.mapping
    statuses = options.statuses if options.statuses is not None else adapter.statuses
    return table, replace(options, source=source, mapping=mapping, statuses=statuses)
