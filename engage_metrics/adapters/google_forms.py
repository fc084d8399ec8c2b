"""Google Forms sign-in sheet (the CSV of the linked Sheet): Timestamp, Email
Address, then one column per question. Every response is a sign-in; the event
is the form (named after the file) on the Timestamp's date, so double
submissions collapse into one participation."""
from __future__ import annotations

from engage_metrics.adapters.base import (
    Adapter,
    Context,
    column,
    date_part,
    title_from_file_name,
    with_columns,
)
from engage_metrics.mapping import norm_header
from engage_metrics.reader import RawTable


def sign_ins(table: RawTable, ctx: Context) -> RawTable:
    if ctx.kind != "participation":
        return table
    stamp = column(table, "timestamp")
    event_date = ctx.event_date or date_part(stamp)
    if ctx.event_title or column(table, "event", "eventname", "whichevent", "meeting") is None:
        return with_columns(table, event_date=event_date,
                            event_title=ctx.event_title or title_from_file_name(ctx.file_name))
    return with_columns(table, event_date=event_date)


ADAPTER = Adapter(
    name="google_forms", label="Google Forms sign-in sheet",
    signature=("Timestamp", "Email Address"),
    sniff=lambda t: norm_header(t.columns[0]) == "timestamp" and len(t.columns) > 1
    and any(n in norm_header(c) for c in t.columns[1:] for n in ("email", "name", "phone")),
    mapping={
        "email": ("emailaddress", "email", "~email"),
        "title": ("engageeventtitle", "event", "eventname", "whichevent", "meeting"),
        "first_name": ("firstname", "~firstname"),
        "last_name": ("lastname", "surname", "~lastname"),
        "phone": ("phone", "phonenumber", "~phone"),
        "full_name": ("fullname", "name", "yourname", "~name"),
        "starts_at": ("engageeventdate",),
        "status": (),
        "attended": (),
        "hours": (),
        "event_id": (),
    },
    statuses=None,
    transform=sign_ins,
    notes="every response is an attendance; the event is the form (file name without "
          "' (Responses) - Form Responses 1.csv') on the Timestamp's date.",
)
