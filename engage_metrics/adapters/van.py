"""NGP VAN / EveryAction event participants: the UI export (tab-delimited .txt with
CamelCase columns) and the API's signups (GET /signups) flattened the way Parsons does
(vanId, firstName …, status_name, event_eventId, event_name, shift_eventShiftId,
role_name, startTimeOverride), both with VAN's signup statuses."""
from __future__ import annotations

import pandas as pd

from engage_metrics.adapters.base import (
    Adapter,
    Context,
    column,
    first_filled,
    reject,
    with_columns,
)
from engage_metrics.reader import RawTable

_DATE = ("eventdate", "date", "startdate", "eventstartdate", "shiftdate")
_TIME = ("starttime", "shiftstarttime", "eventstarttime", "shiftstart")
_END_TIME = ("endtime", "shiftendtime", "eventendtime", "shiftend")
_BARE_TIME = r"^\d{1,2}:\d{2}(:\d{2})?\s*([AaPp][Mm])?$"


def _at(date: pd.Series, time: pd.Series) -> pd.Series:
    """Date + bare time ("3/9/2024" + "10:00 AM"), else whichever is a full value."""
    bare = time.str.match(_BARE_TIME) & date.ne("")
    return (date + " " + time).where(bare, time.where(time.ne(""), date))


def occurrences(table: RawTable, ctx: Context) -> RawTable:
    """Each shift of an event is its own occurrence: key EventID + shift."""
    if ctx.kind != "participation":
        return table
    date = first_filled(table, *_DATE)
    starts = first_filled(table, "starttimeoverride")
    starts = starts.where(starts.ne(""), _at(date, first_filled(table, *_TIME)))
    ends = first_filled(table, "endtimeoverride")
    end_time = first_filled(table, *_END_TIME)     # no end time: no end (not the bare date)
    ends = ends.where(ends.ne(""), _at(date, end_time).where(end_time.ne(""), ""))
    event = first_filled(table, "eventid", "eventeventid")
    shift = first_filled(table, "eventshiftid", "shiftid", "shifteventshiftid", "shift",
                         "shiftname", "eventshiftname")
    key = (event + "/" + shift).where(shift.ne(""), event).where(event.ne(""), "")
    new = {"starts": starts, "ends": ends}
    if column(table, "eventid", "eventeventid") is not None:
        new["event_key"] = key
    return with_columns(table, **new)


ADAPTER = Adapter(
    name="van", label="NGP VAN / EveryAction (event participants, tab-delimited)",
    signature=("VANID|VoterFileVANID|MyVANID", "EventName|EventID", "EventType", "EventDate",
               "Status"),
    # the API's signups, flattened by Parsons (Signups.get_event_signups)
    other_signatures=(("vanId", "eventSignupId", "event_eventId", "event_name", "status_name",
                       "startTimeOverride"),),
    required=(("vanid", "voterfilevanid", "myvanid"),
              ("status", "statusname", "eventstatus", "signupstatus"),
              ("eventname", "event", "eventid", "eventshortname")),
    mapping={
        "external_id": ("vanid", "voterfilevanid", "myvanid"),
        "first_name": ("firstname",),
        "last_name": ("lastname",),
        "full_name": (),
        "email": ("email", "preferredemail", "emailaddress", "personalemail"),
        "phone": ("phone", "preferredphone", "cellphone", "homephone", "mobilephone"),
        "title": ("eventname", "event", "eventshortname"),
        "event_type": ("eventtype", "eventtypename"),
        "event_id": ("engageeventkey",),
        "starts_at": ("engagestarts",),
        "ends_at": ("engageends",),
        "status": ("status", "statusname", "eventstatus", "signupstatus"),
        "role": ("role", "rolename", "eventrole"),
        "attended": (),
        "hours": (),
    },
    statuses={
        "Completed": "attended", "Walk In": "attended", "No Show": "no_show",
        "Cancelled": "cancelled", "Declined": "cancelled",
        "Scheduled": "registered", "Confirmed": "registered", "Sched-Web": "registered",
        "Invited": reject("VAN status 'Invited' is an invitation, not a sign-up"),
        "Left Msg": reject("VAN status 'Left Msg' is a contact attempt, not a sign-up"),
    },
    transform=occurrences,
    notes="Completed/Walk In -> attended; No Show -> no_show; Cancelled/Declined -> "
          "cancelled; Scheduled/Confirmed/Sched-Web -> registered; Invited and Left Msg are "
          "contact attempts, rejected with that reason. Person: VANID.",
)
