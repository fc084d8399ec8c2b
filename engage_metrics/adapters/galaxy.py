"""Galaxy Digital (Get Connected) volunteer hours (the hour object's fields:
hour_date_start, hour_hours, hour_status, user and need columns)."""
from __future__ import annotations

from engage_metrics.adapters.base import (
    Adapter,
    Context,
    date_part,
    first_filled,
    reject,
    with_columns,
)
from engage_metrics.reader import RawTable


def occurrences(table: RawTable, ctx: Context) -> RawTable:
    """Hours are logged per need and date: that pair is the occurrence."""
    if ctx.kind != "participation":
        return table
    need = first_filled(table, "needid", "need")
    day = date_part(first_filled(table, "hourdatestart"))
    return with_columns(table, event_key=(need + "@" + day).where(need.ne(""), ""))


ADAPTER = Adapter(
    name="galaxy_digital", label="Galaxy Digital / Get Connected (volunteer hours)",
    signature=("hour_date_start", "hour_hours", "hour_status", "user_email", "need_title"),
    required=(("hourdatestart",), ("hourhours",), ("hourstatus",)),
    mapping={
        "email": ("useremail", "useremailaddress", "email"),
        "first_name": ("userfirstname", "userfname", "firstname"),
        "last_name": ("userlastname", "userlname", "lastname"),
        "full_name": ("userfullname",),
        "external_id": ("userid",),
        "phone": ("userphone", "usermobile", "phone"),
        "title": ("needtitle", "needname", "need"),
        "event_id": ("engageeventkey",),
        "program": ("agencyname", "needagencyname", "agency"),
        "starts_at": ("hourdatestart",),
        "ends_at": ("hourdateend",),
        "hours": ("hourhours",),
        "status": ("hourstatus",),
        "event_type": (), "attended": (), "role": (),
    },
    statuses={
        "Approved": "attended",
        "Pending": "attended",       # self-reported service awaiting approval
        "Declined": reject("Galaxy Digital hours 'Declined': the organization declined this "
                           "entry (entries are declined instead of deleted)"),
    },
    transform=occurrences,
    notes="Approved and Pending hours -> attended; Declined entries are rejected. The "
          "occurrence is need x date.",
)
