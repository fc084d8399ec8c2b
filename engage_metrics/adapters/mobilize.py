"""Mobilize signups in two forms:

- the participations view of Mobilize's data warehouse (SQL mirror), alone (pre-joined with
  dates) or as the three tables participations + timeslots + events, joined here on
  timeslot_id and event_id;
- the dashboard's shift export ("First name, Last name, Email, ZIP, Mobile number, Event ID,
  Timeslot start, Attendance status, Event organization name"; before 2022 "first name …
  event id, event name, start, event organization name, event type"), optionally with the
  dashboard's event export (id, name, event_type, organization_name, co_hosts,
  event_owner_email_address …) for the events' names and types. Its columns are known from
  public scripts that read it, not from Mobilize's documentation: docs/export-formats.md."""
from __future__ import annotations

import pandas as pd

from engage_metrics.adapters.base import (
    Adapter,
    AdapterError,
    Context,
    column,
    first_filled,
    has_all,
    with_columns,
)
from engage_metrics.reader import RawTable

TIMESLOTS_HEADERS = (("id",), ("startdate",), ("enddate",), ("eventid",),
                     ("maxattendees", "deleteddate", "createddate"))
EVENTS_HEADERS = (("id",), ("title",), ("eventtype",),
                  ("timezone", "browserurl", "summary", "visibility", "highpriority"))
# the dashboard's event export: id, name, event_type and its owner / co-host columns
EVENT_EXPORT_HEADERS = (("id",), ("name",), ("eventtype",), ("eventowneremailaddress", "cohosts"))
# the SQL mirror's participations view
SQL_FORM = (("userid",), ("timeslotid",), ("status",), ("attended",),
            ("useremailaddress", "emailatsignup"))
# the dashboard's shift export (2022 names and the earlier lower-case ones); a generic
# sign-up sheet may have Event ID, Start, Email, First name and even Attendance status, so
# a Mobilize-only column is required too
DASHBOARD_FORM = (("eventid",), ("timeslotstart", "start"), ("email",), ("firstname",),
                  ("timeslotstart", "eventorganizationname"))
# a participations export already joined with its timeslot's dates
_JOINED_START = ("timeslotstartdate", "startdate", "timeslotstart")
_JOINED_END = ("timeslotenddate", "enddate", "timeslotend")


def companion_role(table: RawTable) -> str | None:
    """'timeslots' or 'events' when the table is one of Mobilize's companion views."""
    if has_all(table.columns, TIMESLOTS_HEADERS) and column(table, "title") is None:
        return "timeslots"
    if ((has_all(table.columns, EVENTS_HEADERS) or has_all(table.columns, EVENT_EXPORT_HEADERS))
            and column(table, "timeslotid") is None and column(table, "eventid") is None):
        return "events"
    return None


NEEDS_COMPANIONS = (
    "This is a Mobilize participations export, which holds no event dates: import it "
    "together with the timeslots export (id, start_date, end_date, event_id …) and the "
    "events export (id, title, event_type …) in one import — select the three files at once. "
    "They are joined on timeslot_id and event_id.")


def alone_message(table: RawTable, role: str) -> str:
    """What to say of a companion table imported by itself."""
    if role == "events" and has_all(table.columns, EVENT_EXPORT_HEADERS):
        return ("This is Mobilize's event export (id, name, event_type …): it names the events "
                "of the dashboard's shift export and is imported together with it (select both "
                "files at once), not alone.")
    return (f"This is Mobilize's {role} table: it is joined to a participations export, not "
            "imported alone. " + NEEDS_COMPANIONS)


def _lookup(table: RawTable, key: str, value: str) -> dict[str, str]:
    ids, values = column(table, key), column(table, value)
    if ids is None or values is None:
        return {}
    return dict(zip(ids, values, strict=True))


def _check_matched(keys: pd.Series, companion: RawTable, role: str, key: str) -> None:
    """A companion table none of whose ids the participations hold is an error, never a
    file silently imported for nothing."""
    ids = column(companion, "id")
    if ids is None or not keys.isin(set(ids.fillna("").str.strip()) - {""}).any():
        raise AdapterError(f"the {role} file imported with this Mobilize participations export "
                           f"holds none of its {key} values, so it adds nothing: import the "
                           "participations, timeslots and events exports of the same download")


def matches(table: RawTable) -> bool:
    """The SQL mirror's participations view or the dashboard's shift export."""
    return has_all(table.columns, SQL_FORM) or has_all(table.columns, DASHBOARD_FORM)


def join_views(table: RawTable, ctx: Context) -> RawTable:
    if ctx.kind != "participation":
        return table
    if has_all(table.columns, DASHBOARD_FORM) and not has_all(table.columns, SQL_FORM):
        return shift_export(table, ctx)
    timeslots, events = ctx.companions.get("timeslots"), ctx.companions.get("events")
    timeslot = first_filled(table, "timeslotid")
    override_start = first_filled(table, "overridestartdate")
    override_end = first_filled(table, "overrideenddate")
    if timeslots is None:
        if not any(column(table, c) is not None for c in _JOINED_START):
            raise AdapterError(NEEDS_COMPANIONS)
        start = first_filled(table, "overridestartdate", *_JOINED_START)
        end = first_filled(table, "overrideenddate", *_JOINED_END)
        event_id = first_filled(table, "eventid")
        notes = []
    else:
        start = timeslot.map(_lookup(timeslots, "id", "startdate")).fillna("")
        end = timeslot.map(_lookup(timeslots, "id", "enddate")).fillna("")
        start = override_start.where(override_start.ne(""), start)
        end = override_end.where(override_end.ne(""), end)
        event_id = first_filled(table, "eventid")
        event_id = event_id.where(event_id.ne(""),
                                  timeslot.map(_lookup(timeslots, "id", "eventid")).fillna(""))
        _check_matched(timeslot, timeslots, "timeslots", "timeslot_id")
        notes = [f"joined with the timeslots file ({len(timeslots.rows)} timeslots)"]
    if events is not None:
        _check_matched(event_id, events, "events", "event_id")
        title = event_id.map(_lookup(events, "id", "title")).fillna("")
        event_type = event_id.map(_lookup(events, "id", "eventtype")).fillna("")
        notes.append(f"joined with the events file ({len(events.rows)} events)")
    else:
        title = first_filled(table, "eventtitle", "title")
        event_type = pd.Series("", index=table.rows.index, dtype=object)
    title = title.where(title.ne(""), "Mobilize event " + event_id.astype(str))
    event_type = event_type.where(event_type.ne(""), first_filled(table, "eventtypename"))
    contact = {}
    for field, now, at_signup in (("email", "useremailaddress", "emailatsignup"),
                                  ("phone", "userphonenumber", "phonenumberatsignup")):
        current = first_filled(table, now)
        if column(table, at_signup) is None or column(table, now) is None:
            continue
        typed = first_filled(table, at_signup)
        fallback = current.eq("") & typed.ne("")
        contact[field] = current.where(~fallback, typed)
        if fallback.any():
            notes.append(f"{int(fallback.sum())} row(s) have no current {field} "
                         f"(user__{'email_address' if field == 'email' else 'phone_number'}) "
                         f"and take the {field} typed at signup")
    return with_columns(table, notes=notes, starts=start, ends=end, title=title,
                        event_type=event_type, **contact)


DASHBOARD_NOTE = ("read as Mobilize's dashboard shift export (First name, Event ID, Timeslot "
                  "start, Attendance status …; its columns are known from public scripts that "
                  "read it, not from Mobilize's documentation): each event's timeslot is an "
                  "occurrence; the status REGISTERED/CONFIRMED -> registered, CANCELLED -> "
                  "cancelled, Completed -> attended, No show -> no_show, and an Attended yes/no "
                  "column decides over the status")


def shift_export(table: RawTable, ctx: Context) -> RawTable:
    """The dashboard's shift export: an occurrence per event and timeslot start (Event ID +
    Timeslot start); the title and type from the file's event columns, else from the
    dashboard's event export imported with it (joined on Event ID = id), else the event id
    (noted: nothing in the file names the event)."""
    event_id = first_filled(table, "eventid").str.strip()
    start = first_filled(table, "timeslotstart", "start", "timeslotstartdate").str.strip()
    end = first_filled(table, "timeslotend", "end", "timeslotenddate")
    slot = first_filled(table, "timeslotid").str.strip()
    occurrence = slot.where(slot.ne(""), (event_id + "/" + start).where(event_id.ne(""), ""))
    title = first_filled(table, "eventname", "eventtitle", "event", "title").str.strip()
    event_type = first_filled(table, "eventtype", "eventtypename")
    notes = [DASHBOARD_NOTE]
    events = ctx.companions.get("events")
    if events is not None:
        _check_matched(event_id, events, "events", "Event ID")
        names = event_id.map(_lookup(events, "id", "title") or _lookup(events, "id", "name"))
        title = title.where(title.ne(""), names.fillna(""))
        types = event_id.map(_lookup(events, "id", "eventtype")).fillna("")
        event_type = event_type.where(event_type.ne(""), types)
        notes.append(f"joined with the event export on Event ID = id ({len(events.rows)} "
                     "events): event names and types")
    unnamed = title.eq("") & event_id.ne("")
    if unnamed.any():
        notes.append(f"{int(unnamed.sum())} row(s) name their event by its Event ID only: titled "
                     "'Mobilize event <id>' (import the dashboard's event export with it to name "
                     "them)")
    title = title.where(~unnamed, "Mobilize event " + event_id)
    return with_columns(table, notes=notes, occurrence=occurrence, starts=start, ends=end,
                        title=title, event_type=event_type)


ADAPTER = Adapter(
    name="mobilize", label="Mobilize (shift export, or participations + timeslots + events)",
    signature=("user_id", "timeslot_id", "event_id", "status", "attended",
               "user__email_address|email_at_signup"),
    other_signatures=(("First name", "Last name", "Email", "Event ID", "Timeslot start|start",
                       "Attendance status", "Event organization name"),),
    sniff=matches,
    mapping={
        # the current value, else the one typed at signup (row by row: join_views)
        "email": ("engageemail", "useremailaddress", "emailatsignup", "email"),
        "phone": ("engagephone", "userphonenumber", "phonenumberatsignup", "mobilenumber",
                  "phone", "phonenumber"),
        "external_id": ("userid",),
        "first_name": ("usergivenname", "givennameatsignup", "firstname"),
        "last_name": ("userfamilyname", "familynameatsignup", "lastname"),
        "full_name": (),
        # a timeslot is its own occurrence (the dashboard export: Event ID + Timeslot start)
        "event_id": ("timeslotid", "engageoccurrence"),
        "title": ("engagetitle",),
        "event_type": ("engageeventtype",),
        "program": (),
        "starts_at": ("engagestarts",),
        "ends_at": ("engageends",),
        "status": ("status", "attendancestatus"),
        "attended": ("attended",),
        "role": (),
        "hours": (),
    },
    # the SQL mirror's and the API's status words; Completed and No show as orgs synced with
    # VAN show them on the dashboard
    statuses={"REGISTERED": "registered", "CONFIRMED": "registered", "CANCELLED": "cancelled",
              "COMPLETED": "attended", "NO_SHOW": "no_show"},
    # a shift export without a status column (the earlier form) lists sign-ups
    implied_status="REGISTERED",
    transform=join_views,
    notes="status REGISTERED/CONFIRMED -> registered, CANCELLED -> cancelled (Completed -> "
          "attended, No show -> no_show); attended true -> attended, false -> no_show (a "
          "cancellation stays cancelled); blank -> the status. Person: user_id and "
          "user__email_address (the dashboard export: the email). The dashboard's shift "
          "export: an occurrence per Event ID and Timeslot start.",
)
