"""Mobilize participations export, alone (pre-joined with dates) or as the
three-table form participations + timeslots + events from Mobilize's data
warehouse views, joined here on timeslot_id and event_id."""
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
# a participations export already joined with its timeslot's dates
_JOINED_START = ("timeslotstartdate", "startdate", "timeslotstart")
_JOINED_END = ("timeslotenddate", "enddate", "timeslotend")


def companion_role(table: RawTable) -> str | None:
    """'timeslots' or 'events' when the table is one of Mobilize's companion views."""
    if has_all(table.columns, TIMESLOTS_HEADERS) and column(table, "title") is None:
        return "timeslots"
    if has_all(table.columns, EVENTS_HEADERS) and column(table, "timeslotid") is None:
        return "events"
    return None


NEEDS_COMPANIONS = (
    "This is a Mobilize participations export, which holds no event dates: import it "
    "together with the timeslots export (id, start_date, end_date, event_id …) and the "
    "events export (id, title, event_type …) in one import — select the three files at once. "
    "They are joined on timeslot_id and event_id.")


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


def join_views(table: RawTable, ctx: Context) -> RawTable:
    if ctx.kind != "participation":
        return table
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
    return with_columns(table, notes=notes, starts=start, ends=end, title=title,
                        event_type=event_type)


ADAPTER = Adapter(
    name="mobilize", label="Mobilize (participations, + timeslots + events)",
    signature=("user_id", "timeslot_id", "event_id", "status", "attended",
               "user__email_address|email_at_signup"),
    required=(("userid",), ("timeslotid",), ("status",), ("attended",),
              ("useremailaddress", "emailatsignup")),
    mapping={
        "email": ("useremailaddress", "emailatsignup"),
        "phone": ("userphonenumber", "phonenumberatsignup"),
        "external_id": ("userid",),
        "first_name": ("usergivenname", "givennameatsignup"),
        "last_name": ("userfamilyname", "familynameatsignup"),
        "full_name": (),
        "event_id": ("timeslotid",),           # a timeslot is its own occurrence
        "title": ("engagetitle",),
        "event_type": ("engageeventtype",),
        "program": (),
        "starts_at": ("engagestarts",),
        "ends_at": ("engageends",),
        "status": ("status",),
        "attended": ("attended",),
        "role": (),
        "hours": (),
    },
    statuses={"REGISTERED": "registered", "CONFIRMED": "registered", "CANCELLED": "cancelled"},
    transform=join_views,
    notes="status REGISTERED/CONFIRMED -> registered, CANCELLED -> cancelled; attended "
          "true -> attended, false -> no_show (a cancellation stays cancelled); blank -> "
          "the status. Person: user_id and user__email_address.",
)
