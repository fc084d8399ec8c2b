"""SignUpGenius participant report (Pro API report fields: firstname, lastname,
email, myqty, slotitemid, memberid …, with the slot's start date). A filled slot
is a sign-up; the report carries no attendance."""
from __future__ import annotations

import pandas as pd

from engage_metrics.adapters.base import Adapter, AdapterError, Context, first_filled, with_columns
from engage_metrics.reader import RawTable


def slots(table: RawTable, ctx: Context) -> RawTable:
    """Title = sign-up title – slot item; start = startdatestring, else the unix
    startdate (UTC, converted to the organization's zone on import)."""
    if ctx.kind != "participation":
        return table
    text = first_filled(table, "startdatestring", "slotstartdate", "date")
    unix = pd.to_numeric(first_filled(table, "startdate", "startdatetime"), errors="coerce")
    utc = (pd.to_datetime(unix, unit="s", errors="coerce", utc=True)
           .dt.strftime("%Y-%m-%d %H:%M:%S+00"))
    starts = text.where(text.ne(""), utc.fillna(""))
    if not starts.ne("").any():
        raise AdapterError("This SignUpGenius report has no slot date (startdate or "
                           "startdatestring): include the slot dates in the report.")
    signup = first_filled(table, "title", "signuptitle")
    item = first_filled(table, "item", "slotitem")
    title = (signup + " – " + item).where(signup.ne("") & item.ne(""), signup + item)
    return with_columns(table, starts=starts, title=title.where(title.ne(""), "SignUpGenius slot"))


ADAPTER = Adapter(
    name="signupgenius", label="SignUpGenius (participant report)",
    signature=("signupid", "myqty", "firstname", "lastname", "slotitemid|itemmemberid",
               "startdate"),
    required=(("myqty",), ("firstname",), ("lastname",), ("slotitemid", "itemmemberid")),
    mapping={
        "email": ("email",), "first_name": ("firstname",), "last_name": ("lastname",),
        "full_name": (), "external_id": ("memberid",), "phone": ("phone", "mobile"),
        "title": ("engagetitle",), "event_id": ("slotitemid",), "starts_at": ("engagestarts",),
        "status": ("status",), "ends_at": (), "attended": (), "hours": (),
        "role": (), "event_type": (),
    },
    statuses={"filled": "registered", "waitlist": "registered", "waitlisted": "registered"},
    implied_status="filled",
    transform=slots,
    notes="a filled slot (or a waitlist place) is a registration; a slot is the occurrence.",
)
