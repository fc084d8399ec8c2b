"""Source adapters: recognize a tool's export from its header and import it
with the tool's own column names and status table, no manual mapping.

Detection is specific (each adapter requires a set of headers only that tool
writes, or sniffs its preamble) and tried in a fixed order, most specific
first; a file no adapter recognizes is a generic file. The analyst can force
an adapter (``--source`` / the Data page's select box).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from engage_metrics.adapters import (
    action_network,
    civicrm,
    context,
    eventbrite,
    galaxy,
    google_forms,
    mobilize,
    salesforce,
    signupgenius,
    titles,
    van,
    zoom,
)
from engage_metrics.adapters import companions as companions_module
from engage_metrics.adapters.base import (
    CANONICAL_STATUSES,
    REJECT,
    Adapter,
    AdapterError,
    Context,
    reject,
    with_columns,
)
from engage_metrics.adapters.context import EventDatesNeeded
from engage_metrics.mapping import FIELDS
from engage_metrics.options import ImportOptions
from engage_metrics.reader import RawTable

__all__ = ["ADAPTERS", "Adapter", "AdapterError", "CANONICAL_STATUSES", "EventDatesNeeded",
           "REJECT", "Near", "adapt", "bundle", "closest", "companion_role", "detect",
           "list_sources", "reject", "way_out"]

GENERIC = Adapter(name="generic", label="Generic CSV / Excel", mapping={}, date_order=None)
# detection order: most specific first; Google Forms (a Timestamp column) last
ADAPTERS: dict[str, Adapter] = {a.name: a for a in (
    zoom.ADAPTER, mobilize.ADAPTER, salesforce.ADAPTER, eventbrite.ADAPTER, van.ADAPTER,
    civicrm.ADAPTER, galaxy.ADAPTER, signupgenius.ADAPTER, action_network.ADAPTER,
    google_forms.ADAPTER, GENERIC)}


def list_sources() -> list[tuple[str, str]]:
    """(name, label) of every adapter, for `--source` and the Data page's select box."""
    return [(a.name, a.label) for a in sorted(ADAPTERS.values(),
                                              key=lambda a: (a.name == "generic", a.label))]


def companion_role(table: RawTable) -> str | None:
    """'timeslots' / 'events' for Mobilize's companion tables (joined, not imported alone)."""
    return mobilize.companion_role(table)


def detect(table: RawTable) -> Adapter:
    """The adapter whose export this table looks like (generic when none fits)."""
    for adapter in ADAPTERS.values():
        if adapter is not GENERIC and adapter.matches(table):
            return adapter
    return GENERIC


@dataclass(frozen=True)
class Near:
    """A known format close to a file no format fits: the share of its signature headers
    the file has, and the ones it lacks."""

    adapter: Adapter
    share: float
    missing: tuple[str, ...]


def closest(columns: list[str], n: int = 2) -> list[Near]:
    """The *n* known formats whose signature headers the file has most of (at least two of
    them: one shared column such as Email or Status says nothing), best first."""
    scored = []
    for order, adapter in enumerate(ADAPTERS.values()):
        have, size, missing = adapter.signature_fit(columns)
        if have >= 2:
            scored.append((-have / size, -have, order,
                           Near(adapter, have / size, tuple(missing))))
    return [near for *_, near in sorted(scored, key=lambda s: s[:3])[:n]]


def way_out(columns: list[str], mapped: dict[str, str]) -> str:
    """What to say when no format fits a file: the closest known formats with the headers
    of theirs the file lacks, and the file's columns no field was placed on."""
    near = closest(columns)
    if near:
        text = "No known format fits; the closest: " + "; ".join(
            f"{x.adapter.label} (missing: {', '.join(x.missing)})" if x.missing else
            f"{x.adapter.label} (its headers, but not its layout)" for x in near) + "."
    else:
        text = "No known format is close to this file's columns."
    placed = set(mapped.values())
    loose = [c for c in columns if c not in placed]
    if loose:
        text += (" Columns not placed: " + ", ".join(loose[:12])
                 + (" …" if len(loose) > 12 else "") + ".")
    return text


def bundle(tables: list[RawTable], source: str = "auto") -> list[tuple[int, dict[str, int]]]:
    """Group the tables of one import call: Mobilize timeslots and events tables are
    attached to the Mobilize participations tables of the same call. Returns
    (index of the imported table, {companion role: index}) in input order."""
    roles = {i: companion_role(t) for i, t in enumerate(tables)}
    companions = {role: i for i, role in roles.items() if role}
    mains = [i for i, role in roles.items() if not role]
    is_mobilize = {i: (source == "mobilize" or (source == "auto" and detect(tables[i]) is
                                                 mobilize.ADAPTER)) for i in mains}
    groups: list[tuple[int, dict[str, int]]]
    if not companions or not any(is_mobilize.values()):
        groups = [(i, {}) for i in range(len(tables))]
    else:
        groups = [(i, companions if is_mobilize[i] else {}) for i in mains]
    return _generic_companions(tables, groups, {i for i, role in roles.items() if role})


def _generic_companions(tables: list[RawTable], groups: list[tuple[int, dict[str, int]]],
                        mobilize_parts: set[int]) -> list[tuple[int, dict[str, int]]]:
    """Attach other tools' contacts and jobs/shifts extracts (adapters.companions) to the
    participation file of the call holding their ids."""
    if len(tables) < 2:
        return groups
    alone = [i for i, parts in groups if not parts and i not in mobilize_parts]
    attached = companions_module.attach(tables, alone)
    if not attached:
        return groups
    taken = {c for parts in attached.values() for c in parts.values()}
    return [(i, attached.get(i, parts)) for i, parts in groups if i not in taken]


def adapt(table: RawTable, options: ImportOptions, file_name: str = "",
          companions: dict[str, RawTable] | None = None) -> tuple[RawTable, ImportOptions]:
    """Apply the chosen (or detected) adapter: transform, mapping and statuses.

    Returns the transformed table and the options with source = the adapter name,
    mapping = the adapter's mapping overridden by any explicit mapping, statuses =
    the adapter's explicit status table (None: the generic vocabulary)."""
    role = companion_role(table)
    if role and options.source in ("auto", "mobilize"):
        raise AdapterError(mobilize.alone_message(table, role))
    if options.source == "auto":
        adapter = detect(table)
        source = adapter.name
    else:
        adapter = ADAPTERS.get(options.source, GENERIC)
        source = options.source
    ctx = Context(file_name=file_name, kind=options.kind, companions=companions or {},
                  event_title=options.event_title, event_date=options.event_date,
                  event_dates=options.event_dates,
                  date_order=options.date_order or adapter.date_order or "mdy")
    table = _transform(adapter, table, ctx, forced=options.source != "auto")
    # a tool's own columns carry its dates: separate time columns are combined only in a
    # generic file (or when an adapter or the analyst maps them)
    times = ({"start_time": "", "end_time": ""}
             if adapter is not GENERIC and options.kind == "participation" else {})
    mapping = {**times, **adapter.resolve(table.columns, options.kind), **(options.mapping or {})}
    joined = {r: t for r, t in (companions or {}).items() if r in companions_module.ROLES}
    if joined and options.kind == "participation":
        table, joined_mapping = companions_module.join(table, mapping, joined, options.kind)
        mapping = {**joined_mapping, **(options.mapping or {})}
    if adapter.implied_status and options.kind == "participation" and not mapping.get("status"):
        table = with_columns(table, status=adapter.implied_status,
                             notes=[f"{adapter.label} has no attendance column: every row is a "
                                    "registration unless registrations count as attendance"])
        mapping["status"] = "Engage status"
    table, mapping = titles.prefer_label(table, mapping, options.kind, options.mapping)
    table, mapping, per_date = context.apply(table, mapping, ctx, options.event_dates)
    if not joined and (why := companions_module.alone(table, mapping, options.kind)):
        raise AdapterError(why[0].upper() + why[1:])
    statuses = options.statuses if options.statuses is not None else adapter.status_words()
    return table, replace(options, source=source, mapping=mapping or None, statuses=statuses,
                          event_per_date=per_date, known_date_order=adapter.date_order)


def _transform(adapter: Adapter, table: RawTable, ctx: Context, forced: bool) -> RawTable:
    """The adapter's transform (the table as it is when it has none), with a message a
    user can act on when a forced source does not fit the file (never an internal error)."""
    if adapter.transform is None:
        return table
    mismatch = ""
    if forced and not adapter.matches(table):
        detected = detect(table)
        mismatch = (f" This file's header does not look like an export of {adapter.label}"
                    + (f" (it looks like {detected.label})" if detected is not GENERIC else "")
                    + ": let Engage detect the source, or import it as a generic file with a "
                    "column mapping.")
    try:
        return adapter.transform(table, ctx)
    except EventDatesNeeded as exc:       # keeps the events the Data page asks dates for
        raise EventDatesNeeded(f"{exc}{mismatch}", exc.events) from exc
    except AdapterError as exc:
        raise AdapterError(f"{exc}{mismatch}") from exc
    except (KeyError, AttributeError, TypeError, ValueError, IndexError) as exc:
        raise AdapterError(f"This file could not be read as an export of {adapter.label}."
                           f"{mismatch}") from exc


def describe(table: RawTable, file_name: str = "", source: str = "auto",
             kind: str = "participation") -> tuple[Adapter, RawTable, dict[str, str]]:
    """For a preview before importing: the adapter, the table as it will be imported
    and the adapter's mapping (raises AdapterError like an import would)."""
    adapted, options = adapt(table, ImportOptions(kind=kind, source=source), file_name)
    adapter = ADAPTERS.get(options.source, GENERIC)
    return adapter, adapted, {f: c for f, c in (options.mapping or {}).items()
                              if c and f in FIELDS[kind]}

