"""Eventbrite Attendee Summary report (US and UK column names).

Attendee # is a ticket, not a person: one buyer can hold many tickets, so
identity is by email. Group orders: when several attendees of one order carry
the same email under different names, that email is the buyer's; it stays with
the attendees named like the order's first attendee (the buyer's own ticket comes first) and the
others are identified by their name (weak identities, offered for review)."""
from __future__ import annotations

from engage_metrics.adapters.base import (
    Adapter,
    Context,
    column,
    file_event,
    first_filled,
    norm_words,
    title_from_file_name,
    with_columns,
)
from engage_metrics.reader import RawTable


def attendees(table: RawTable, ctx: Context) -> RawTable:
    # an event name without a date column: the dates come from the names (context)
    if column(table, "eventname", "eventtitle") is None:
        table = file_event(table, ctx, title_from_file_name(ctx.file_name),
                           "This Eventbrite attendee summary")
    order = first_filled(table, "order", "orderno", "ordernumber")
    email = first_filled(table, "email", "emailaddress")
    name = (first_filled(table, "firstname") + " "
            + first_filled(table, "lastname", "surname")).map(norm_words)
    group = order + "|" + email.str.strip().str.lower()
    first_name = name.groupby(group).transform("first")
    shared = (email.ne("") & order.ne("") & name.groupby(group).transform("nunique").gt(1)
              & name.ne(first_name))
    notes = []
    if shared.any():
        notes.append(f"{int(shared.sum())} attendee(s) of group orders carry the buyer's email "
                     "under another name: identified by name instead")
    return with_columns(table, email=email.where(~shared, ""), notes=notes)


ADAPTER = Adapter(
    name="eventbrite", label="Eventbrite (attendee summary)",
    signature=("Order #|Order no.", "Attendee #|Attendee no.", "Attendee Status", "Ticket Type",
               "Order Date"),
    required=(("order", "orderno"), ("attendee", "attendeeno"), ("attendeestatus",),
              ("tickettype",)),
    mapping={
        "email": ("engageemail",),
        "phone": ("cellphone", "mobilephone", "homephone", "workphone", "phone"),
        "external_id": (),                     # Attendee # is a ticket id
        "first_name": ("firstname",),
        "last_name": ("lastname", "surname"),
        "full_name": (),
        "title": ("eventname", "eventtitle", "engageeventtitle"),
        "event_id": ("eventid",),
        "starts_at": ("eventstartdate", "eventdate", "eventstart", "engageeventdate"),
        "ends_at": ("eventenddate", "eventend"),
        "status": ("attendeestatus",),
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
