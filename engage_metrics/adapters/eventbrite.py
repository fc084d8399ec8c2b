"""Eventbrite attendees: the Attendee Summary report (US and UK column names) and the
API's attendee objects flattened to columns (profile.first_name, profile.email,
ticket_class_name, checked_in, cancelled, status, order_id, event_id).

Attendee # is a ticket, not a person: one buyer can hold many tickets, so
identity is by email. Group orders: when several attendees of one order carry
the same email under different names, that email is the buyer's; it stays with
the attendees named like the order's first attendee (the buyer's own ticket comes first) and the
others are identified by their name (weak identities, offered for review)."""
from __future__ import annotations

import pandas as pd

from engage_metrics.adapters.base import (
    Adapter,
    Context,
    column,
    file_event,
    first_filled,
    has_all,
    norm_words,
    title_from_file_name,
    with_columns,
)
from engage_metrics.reader import RawTable

SUMMARY_FORM = (("order", "orderno"), ("attendee", "attendeeno"), ("attendeestatus",),
                ("tickettype",))
# GET /events/{id}/attendees/ (or /organizations/{id}/attendees/), one object per ticket
API_FORM = (("profileemail", "profilefirstname", "profilename"), ("checkedin",),
            ("ticketclassname",), ("orderid",))


def _true(values: pd.Series) -> pd.Series:
    return values.fillna("").str.strip().str.lower().isin(("true", "1", "yes"))


def api_status(table: RawTable) -> pd.Series:
    """The API attendee's status ("Attending", "Checked In" …); a cancelled ticket is Not
    Attending whatever its status says; without a status, checked_in decides."""
    status = first_filled(table, "status").str.strip()
    checked_in = _true(first_filled(table, "checkedin"))
    cancelled = _true(first_filled(table, "cancelled"))
    status = status.where(status.ne(""), checked_in.map({True: "Checked In",
                                                         False: "Attending"}))
    return status.where(~cancelled, "Not Attending")


def attendees(table: RawTable, ctx: Context) -> RawTable:
    # an event name without a date column: the dates come from the names (context)
    if column(table, "eventname", "eventtitle") is None:
        table = file_event(table, ctx, title_from_file_name(ctx.file_name),
                           "This Eventbrite attendee summary")
    order = first_filled(table, "order", "orderno", "ordernumber", "orderid")
    email = first_filled(table, "email", "emailaddress", "profileemail")
    name = (first_filled(table, "firstname", "profilefirstname") + " "
            + first_filled(table, "lastname", "surname", "profilelastname")).map(norm_words)
    group = order + "|" + email.str.strip().str.lower()
    first_name = name.groupby(group).transform("first")
    shared = (email.ne("") & order.ne("") & name.groupby(group).transform("nunique").gt(1)
              & name.ne(first_name))
    notes = []
    if shared.any():
        notes.append(f"{int(shared.sum())} attendee(s) of group orders carry the buyer's email "
                     "under another name: identified by name instead")
    new: dict[str, pd.Series | str] = {"email": email.where(~shared, "")}
    if column(table, "attendeestatus") is None and has_all(table.columns, API_FORM):
        new["status"] = api_status(table)
    return with_columns(table, notes=notes, **new)


ADAPTER = Adapter(
    name="eventbrite", label="Eventbrite (attendee summary)",
    signature=("Order #|Order no.", "Attendee #|Attendee no.", "Attendee Status", "Ticket Type",
               "Order Date"),
    other_signatures=(("profile.email", "profile.first_name", "ticket_class_name", "checked_in",
                       "status", "order_id"),),
    sniff=lambda t: has_all(t.columns, SUMMARY_FORM) or has_all(t.columns, API_FORM),
    mapping={
        "email": ("engageemail",),
        "phone": ("cellphone", "mobilephone", "homephone", "workphone", "phone",
                  "profilecellphone", "profileworkphone", "profilehomephone"),
        "external_id": (),                     # Attendee # is a ticket id
        "first_name": ("firstname", "profilefirstname"),
        "last_name": ("lastname", "surname", "profilelastname"),
        "full_name": (),
        "title": ("eventname", "eventtitle", "engageeventtitle"),
        "event_id": ("eventid",),
        "starts_at": ("eventstartdate", "eventdate", "eventstart", "engageeventdate"),
        "ends_at": ("eventenddate", "eventend"),
        "status": ("attendeestatus", "engagestatus"),
        "attended": (),
        "role": (),
        "hours": (),
        "program": (),
    },
    statuses={"Attending": "registered", "Checked In": "attended",
              "Not Attending": "cancelled", "Deleted": "cancelled"},
    transform=attendees,
    notes="Attending -> registered, Checked In -> attended, Not Attending/Deleted -> "
          "cancelled. Identity by email; a group order's shared email stays with the "
          "buyer's name, other attendees are identified by name.",
)
