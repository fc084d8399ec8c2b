"""CiviCRM participant export: Sort Name as "Last, First", CiviCRM's
participant status list (names and labels)."""
from __future__ import annotations

from engage_metrics.adapters.base import Adapter, Context, first_filled, reject, with_columns
from engage_metrics.reader import RawTable


def split_sort_name(table: RawTable, ctx: Context) -> RawTable:
    """First/last from First Name/Last Name when exported, else from Sort Name
    ("Lopez, Ana"); a sort name without a comma (an organization) is a full name."""
    sort = first_filled(table, "sortname")
    comma = sort.str.contains(",", regex=False)
    parts = sort.str.partition(",")
    last = first_filled(table, "lastname")
    first = first_filled(table, "firstname")
    last = last.where(last.ne(""), parts[0].str.strip().where(comma, ""))
    first = first.where(first.ne(""), parts[2].str.strip().where(comma, ""))
    full = first_filled(table, "displayname")
    full = full.where(full.ne("") | comma, sort)
    full = full.where(first.eq("") & last.eq(""), "")
    return with_columns(table, first_name=first, last_name=last, full_name=full)


_PENDING_PAYMENT = reject("CiviCRM status 'Pending (incomplete transaction)' is an unfinished "
                          "online payment, not a sign-up")
_IN_CART = reject("CiviCRM status 'Pending in cart' was never submitted, not a sign-up")

ADAPTER = Adapter(
    name="civicrm", label="CiviCRM (participant export)",
    signature=("Contact ID", "Sort Name", "Event Title", "Participant Status",
               "Participant Role", "Register date"),
    required=(("participantstatus",), ("sortname", "contactid", "displayname"),
              ("eventtitle", "event")),
    mapping={
        "external_id": ("contactid",),
        "email": ("email", "emailaddress"),
        "phone": ("phone", "phonenumber"),
        "first_name": ("engagefirstname",),
        "last_name": ("engagelastname",),
        "full_name": ("engagefullname",),
        "title": ("eventtitle", "event"),
        "event_id": ("eventid",),
        "event_type": ("eventtype",),
        "starts_at": ("eventstartdate", "startdate"),
        "ends_at": ("eventenddate", "enddate"),
        "status": ("participantstatus",),
        "role": ("participantrole", "role"),
        "attended": (),
        "hours": (),
    },
    statuses={
        "Registered": "registered", "Attended": "attended", "No-show": "no_show",
        "Cancelled": "cancelled",
        # Pending / Waiting classes: signed up, not yet confirmed
        "Pending from pay later": "registered", "Pending (pay later)": "registered",
        "On waitlist": "registered", "Awaiting approval": "registered",
        "Pending from waitlist": "registered", "Pending from approval": "registered",
        "Partially paid": "registered", "Pending refund": "registered",
        # Negative class
        "Rejected": "cancelled", "Expired": "cancelled", "Transferred": "cancelled",
        "Pending from incomplete transaction": _PENDING_PAYMENT,
        "Pending (incomplete transaction)": _PENDING_PAYMENT,
        "Pending in cart": _IN_CART,
    },
    transform=split_sort_name,
    notes="Registered, pay-later, waitlist and approval statuses -> registered; Attended -> "
          "attended; No-show -> no_show; Cancelled/Rejected/Expired/Transferred -> cancelled; "
          "incomplete transactions and carts are rejected. Sort Name 'Last, First' is split.",
)
