"""Action Network event RSVPs, in two forms: the activist / event RSVP report downloaded
from the admin (uuid, first_name, email, can2_* …) and the API's attendance records
(OSDI) flattened to columns (identifiers, created_date, status, action_network:person_id,
action_network:event_id …), joined with the people and event records of the same pull
(adapters.osdi, adapters.companions). There is no attendance or check-in column in either:
every RSVP is a registration unless the analyst counts registrations as attendance."""
from __future__ import annotations

from engage_metrics.adapters import osdi
from engage_metrics.adapters.base import (
    Adapter,
    Context,
    column,
    file_event,
    first_filled,
    has_all,
    norm_words,
    reject,
    with_columns,
)
from engage_metrics.adapters.context import MAX_NAMED, EventDatesNeeded
from engage_metrics.reader import RawTable

_EVENT_COLUMNS = ("eventtitle", "eventname", "event", "title")
REPORT_FORM = (("email",), ("firstname",), ("lastname",), ("can2*",))

API_NOTE = ("read as Action Network's API attendances (OSDI: action_network:person_id, "
            "action_network:event_id, status), one row per RSVP: accepted and tentative -> "
            "registered, declined -> cancelled (Action Network records no attendance)")


def rsvp_event(table: RawTable, ctx: Context) -> RawTable:
    """A report built with event columns names its events (without a date column, their
    dates come from their names or the analyst: adapters.context); a report downloaded
    from one event's page does not: the analyst names that event and its date. API
    attendances name their events by id: see :func:`attendances`."""
    if ctx.kind != "participation":
        return table
    if osdi.is_attendances(table):
        return attendances(table, ctx)
    has_event = any(column(table, c) is not None for c in _EVENT_COLUMNS + ("eventid",))
    if has_event:       # no date column: the dates come from the events' names (context)
        return table
    return file_event(table, ctx, ctx.event_title or "Action Network event",
                      "This Action Network report")


def attendances(table: RawTable, ctx: Context) -> RawTable:
    """API attendances: the events file of the same import names and dates the events
    (companions.join, on action_network:event_id), the people file names the people (on
    action_network:person_id). Without the events file an event's date comes from the
    analyst's event-date list (keyed by the event id) or, for a file of one event, the
    event date given; otherwise the import stops and says what it needs."""
    notes = [API_NOTE]
    if "contacts" not in ctx.companions:
        notes.append("no people file imported with it: people are known by their Action Network "
                     "person id only (import the people records with it for names and emails)")
    if "shifts" in ctx.companions:
        return with_columns(table, notes=notes)
    ids = first_filled(table, "actionnetworkeventid").str.strip()
    names = sorted(set(ids) - {""})
    given = {norm_words(k): v for k, v in (ctx.event_dates or {}).items() if norm_words(k)}
    dated = {n: given[norm_words(n)] for n in names if norm_words(n) in given}
    if names and len(dated) == len(names):
        notes.append(f"no events file: the dates of {len(names)} event(s) from the event-date "
                     "list, by their action_network:event_id; the events are titled by their "
                     "ids (import the event records with it to name them)")
        return with_columns(table, notes=notes, event_date=ids.map(dated).fillna(""))
    if len(names) == 1 and ctx.event_date:
        table = with_columns(table, notes=notes)
        return file_event(table, ctx, ctx.event_title or "Action Network event",
                          "This Action Network attendance export")
    undated = [n for n in names if n not in dated]
    shown = ", ".join(repr(n) for n in undated[:MAX_NAMED])
    more = f" and {len(undated) - MAX_NAMED} more" if len(undated) > MAX_NAMED else ""
    raise EventDatesNeeded(
        "This is an Action Network API attendance export (action_network:person_id, "
        "action_network:event_id, status): it names each event by its id only, with no title "
        "or date. Import it together with the event records of the same pull (identifiers, "
        "title, start_date …) — and the people records (identifiers, given_name, family_name, "
        "email_addresses …) for names and emails — by selecting the files at once; or give "
        "each event's date in an event-date file (--event-dates FILE, a CSV with the columns "
        f"event and date, the event being its action_network:event_id). {len(undated)} event "
        f"id(s) have no date: {shown}{more}. Events are never put on a date by guessing.",
        undated)


ADAPTER = Adapter(
    name="action_network",
    label="Action Network (RSVP report, or API attendances + people + events)",
    signature=("uuid", "first_name", "last_name", "email", "can2_*"),
    other_signatures=(("identifiers", "created_date", "status", "action_network:person_id",
                       "action_network:event_id"),),
    sniff=lambda t: has_all(t.columns, REPORT_FORM) or osdi.is_attendances(t),
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
          "its name and date. API attendances are joined with the people and event records "
          "imported with them (without the events, give each event's date).",
)
