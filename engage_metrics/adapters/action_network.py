"""Action Network activist and event RSVP reports. There is no attendance or
check-in column: every RSVP is a registration unless the analyst counts
registrations as attendance."""
from __future__ import annotations

from engage_metrics.adapters.base import Adapter, Context, column, file_event, reject
from engage_metrics.reader import RawTable

_EVENT_COLUMNS = ("eventtitle", "eventname", "event", "title")


def rsvp_event(table: RawTable, ctx: Context) -> RawTable:
    """A report built with event columns names its events (without a date column, their
    dates come from their names or the analyst: adapters.context); a report downloaded
    from one event's page does not: the analyst names that event and its date."""
    if ctx.kind != "participation":
        return table
    has_event = any(column(table, c) is not None for c in _EVENT_COLUMNS + ("eventid",))
    if has_event:       # no date column: the dates come from the events' names (context)
        return table
    return file_event(table, ctx, ctx.event_title or "Action Network event",
                      "This Action Network report")


ADAPTER = Adapter(
    name="action_network", label="Action Network (activist / event RSVP report)",
    signature=("uuid", "first_name", "last_name", "email", "can2_*"),
    required=(("email",), ("firstname",), ("lastname",), ("can2*",)),
    mapping={
        "email": ("email",),
        "phone": ("can2phone", "phonenumber", "phone"),
        "external_id": ("uuid", "actionnetworkpersonid"),
        "first_name": ("firstname",),
        "last_name": ("lastname",),
        "full_name": (),
        "title": ("eventtitle", "eventname", "event", "title", "engageeventtitle"),
        "event_id": ("eventid", "actionnetworkeventid"),
        "starts_at": ("eventstartdate", "eventdate", "startdate", "eventstart", "engageeventdate"),
        "status": ("status", "rsvpstatus", "attendancestatus"),
        "attended": (),
        "program": (),
        "hours": (),
    },
    # OSDI attendance statuses; cancelling an RSVP in the UI deletes it
    statuses={"accepted": "registered", "tentative": "registered", "declined": "cancelled",
              "needs action": reject("Action Network RSVP status 'needs action' is an "
                                     "invitation without a reply, not a sign-up")},
    implied_status="accepted",
    transform=rsvp_event,
    notes="no attendance column: RSVPs are registrations (--treat-registered-as-attended "
          "counts them as attendance). A report from one event's page names no event: give "
          "its name and date.",
)
