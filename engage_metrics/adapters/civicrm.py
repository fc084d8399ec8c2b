"""CiviCRM participants: the search export (field titles: Sort Name as "Last, First",
Participant Status …) and the same rows fetched through the API — APIv3
Participant.get keys (sort_name, participant_status, event_title …) and APIv4
Participant.get selections (contact_id.display_name, status_id:label,
event_id.title …) — with CiviCRM's participant status list (names and labels)."""
from __future__ import annotations

from engage_metrics.adapters.base import Adapter, Context, first_filled, reject, with_columns
from engage_metrics.reader import RawTable


def split_sort_name(table: RawTable, ctx: Context) -> RawTable:
    """First/last from First Name/Last Name when exported, else from Sort Name
    ("Lopez, Ana"); a sort name without a comma (an organization) is a full name."""
    sort = first_filled(table, "sortname", "contactidsortname")
    comma = sort.str.contains(",", regex=False)
    parts = sort.str.partition(",")
    last = first_filled(table, "lastname", "contactidlastname")
    first = first_filled(table, "firstname", "contactidfirstname")
    last = last.where(last.ne(""), parts[0].str.strip().where(comma, ""))
    first = first.where(first.ne(""), parts[2].str.strip().where(comma, ""))
    full = first_filled(table, "displayname", "contactiddisplayname")
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
    other_signatures=(
        # APIv3 Participant.get
        ("contact_id", "sort_name", "event_title", "participant_status", "participant_role",
         "participant_register_date"),
        # APIv4 Participant.get
        ("contact_id", "contact_id.display_name|contact_id.sort_name", "event_id.title",
         "status_id:label|status_id:name", "event_id.start_date", "register_date")),
    required=(("participantstatus", "statusidlabel", "statusidname"),
              ("sortname", "contactid", "displayname", "contactiddisplayname",
               "contactidsortname"),
              ("eventtitle", "event", "eventidtitle")),
    mapping={
        "external_id": ("contactid",),
        "email": ("email", "emailaddress"),
        "phone": ("phone", "phonenumber"),
        "first_name": ("engagefirstname",),
        "last_name": ("engagelastname",),
        "full_name": ("engagefullname",),
        "title": ("eventtitle", "event", "eventidtitle"),
        "event_id": ("eventid",),
        "event_type": ("eventtype",),
        "starts_at": ("eventstartdate", "startdate", "eventidstartdate"),
        "ends_at": ("eventenddate", "enddate", "eventidenddate"),
        # APIv4: the label (or the name) of a status or role, never its number (status_id)
        "status": ("participantstatus", "statusidlabel", "statusidname"),
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
