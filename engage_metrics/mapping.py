"""Column mapping: which file column feeds which canonical field.

Headers are compared after removing case, spacing and punctuation
("E-mail Address" == "email_address" == "EmailAddress"). Each field lists its
synonyms in priority order; an explicit mapping always overrides.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# canonical field -> synonyms, most specific first (already in normalized form)
_PEOPLE_FIELDS: dict[str, tuple[str, ...]] = {
    "email": ("email", "emailaddress", "useremailaddress", "useremail", "attendeeemail",
              "contactemail", "primaryemail", "personalemail", "emailatsignup", "mail"),
    "phone": ("phone", "phonenumber", "userphonenumber", "mobilephone", "mobile", "cellphone",
              "cell", "can2phone", "homephone", "phoneatsignup", "telephone", "tel"),
    "external_id": ("personid", "contactid", "vanid", "voterfilevanid", "myvanid", "userid",
                    "memberid", "volunteerid", "externalid", "constituentid", "uuid",
                    "supporterid", "participantid"),
    "first_name": ("firstname", "givenname", "usergivenname", "first", "fname",
                   "givennameatsignup", "nickname"),
    "last_name": ("lastname", "familyname", "userfamilyname", "surname", "last", "lname",
                  "familynameatsignup"),
    "full_name": ("name", "fullname", "volunteername", "attendeename", "participantname",
                  "contactname", "displayname", "username", "nameoriginalname"),
}
_EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    "event_id": ("eventid", "shiftid", "timeslotid", "occurrenceid", "eventshiftid", "sessionid",
                 "slotid", "meetingid"),
    "title": ("event", "eventname", "eventtitle", "title", "eventshiftname", "shiftname",
              "activity", "activityname", "opportunity", "volunteerjob", "job", "topic", "meeting",
              "jobname", "volunteerjobname", "opportunityname", "opportunitytitle", "needtitle"),
    "event_type": ("eventtype", "eventtypename", "type", "activitytype", "category",
                   "eventcategory"),
    "program": ("program", "programname", "team", "chapter", "campaign", "committee",
                "volunteercampaignname", "department", "project"),
    # a time of day in its own column, combined with the date (Date + Start Time + End Time)
    "start_time": ("starttime", "eventstarttime", "shiftstarttime", "timestart", "begintime"),
    "end_time": ("endtime", "eventendtime", "shiftendtime", "timeend", "finishtime"),
    "starts_at": ("start", "starts", "startsat", "startdate", "starttime", "startdatetime",
                  "shiftstart", "shiftstartdatetime", "eventstart", "eventstartdate", "eventdate",
                  "date", "datetime", "when", "shiftdate", "timestamp"),
    "ends_at": ("end", "ends", "endsat", "enddate", "endtime", "enddatetime", "shiftend",
                "eventend", "eventenddate"),
    "status": ("status", "attendancestatus", "attendeestatus", "participantstatus", "rsvpstatus",
               "signupstatus", "attendance", "eventstatus"),
    "attended": ("attended", "checkedin", "present", "showedup"),
    "role": ("role", "participantrole", "shiftrole", "volunteerrole", "position"),
    # (also a header that states its unit, "Duration (minutes)": duration_header below)
    "hours": ("hours", "hoursworked", "volunteerhours", "totalhours", "hourhours", "hrs"),
    # a person's own arrival and departure on a sign-in sheet or a meeting's participant
    # report (hours = out - in when the file has no hours; the date of the row when it has
    # no date column); never the event's scheduled start/end (starts_at/ends_at)
    "time_in": ("timein", "checkintime", "checkin", "signintime", "signin", "timesignedin",
                "arrived", "arrivaltime", "timearrived", "clockin", "punchin", "jointime",
                "joinedat", "timejoined", "firstjoin", "arrivedat", "checkedinat"),
    "time_out": ("timeout", "checkouttime", "checkout", "signouttime", "signout",
                 "timesignedout", "left", "departed", "departuretime", "timeleft", "clockout",
                 "punchout", "leavetime", "leftat", "timeexited", "lastleave", "departedat",
                 "checkedoutat"),
}
# time in and time out are read only as a pair, and only when the file has no hours column
TIME_FIELDS = ("time_in", "time_out")
# the two fields one column may feed: a file without a date column is dated by each row's
# own time in (adapters/context.py), which stays the time in
SHARED_FIELDS = frozenset(("starts_at", "time_in"))

# A column of durations may say its unit in the header: "Duration (minutes)", "Minutes
# volunteered", "Time (mins)", "Hours (decimal)", "Time spent (min)", "Duration (seconds)".
# Its bare numbers are read in that unit (docs/importing/hours.md).
_UNIT_WORDS = {**dict.fromkeys(("hours", "hour", "hrs", "hr"), "hours"),
               **dict.fromkeys(("minutes", "minute", "mins", "min"), "minutes"),
               **dict.fromkeys(("seconds", "second", "secs", "sec"), "seconds")}
# the other words of a header that names a column of durations by their unit
_DURATION_WORDS = frozenset(("duration", "time", "spent", "total", "volunteer", "volunteered",
                             "volunteering", "worked", "served", "service", "logged", "decimal",
                             "in", "session"))

# a tool's own "this record is deleted" flag (Salesforce Data Loader's IsDeleted …):
# rows where it is true are skipped, never imported (importer.DELETED_VALUES)
_ROW_FIELDS: dict[str, tuple[str, ...]] = {
    "deleted": ("isdeleted", "deleted", "deletedflag", "isdeletedc", "recorddeleted"),
}
FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "participation": {**_PEOPLE_FIELDS, **_EVENT_FIELDS, **_ROW_FIELDS},
    "people": {**_PEOPLE_FIELDS,
               "recruited_by": ("recruitedby", "recruitedbyemail", "referredby", "referrer",
                                "recruiter", "referredbyemail"),
               **_ROW_FIELDS},
    "ask": {**_PEOPLE_FIELDS,
            "asked_at": ("askedat", "askdate", "date", "askedon", "datetime", "when",
                         "timestamp"),
            "ask": ("ask", "asktext", "request", "askedto", "description", "what"),
            "rung": ("rung", "askrung", "level", "ladderrung"),
            "outcome": ("outcome", "result", "response", "answer", "status"),
            "asked_by": ("askedby", "asker", "organizer", "by"),
            **_ROW_FIELDS},
}
FIELD_LABELS = {
    "email": "Email", "phone": "Phone", "external_id": "Person id in the tool",
    "first_name": "First name", "last_name": "Last name", "full_name": "Full name",
    "event_id": "Event / shift id", "title": "Event name", "event_type": "Event type",
    "program": "Program / team", "starts_at": "Start date/time", "ends_at": "End date/time",
    "start_time": "Start time (with a date column)", "end_time": "End time (with a date column)",
    "status": "Status", "attended": "Attended (yes/no)", "role": "Role", "hours": "Hours",
    "time_in": "Time in (the person's own)", "time_out": "Time out (the person's own)",
    "recruited_by": "Recruited by (email)", "asked_at": "Date of the ask", "ask": "What was asked",
    "rung": "Rung of the ask (1-5)", "outcome": "Outcome", "asked_by": "Asked by",
    "deleted": "Deleted flag (rows marked deleted are skipped)",
}
IDENTITY_FIELDS = ("email", "phone", "external_id", "first_name", "last_name", "full_name")


class MappingError(ValueError):
    """The mapping names a column the file does not have, or lacks a required field."""


def norm_header(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _header_words(text: str) -> list[str]:
    """'Time spent (min)' -> ['time', 'spent', 'min']; 'durationMinutes' -> ['duration',
    'minutes']."""
    return re.findall(r"[a-z]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", text).lower())


def header_unit(header: str) -> str | None:
    """The unit of durations a header states: 'hours', 'minutes' or 'seconds' ("Duration
    (minutes)" -> 'minutes', "Hours (decimal)" -> 'hours'); None when it states none, or
    more than one ("Hours and minutes")."""
    units = {_UNIT_WORDS[w] for w in _header_words(header) if w in _UNIT_WORDS}
    return units.pop() if len(units) == 1 else None


def duration_header(header: str) -> bool:
    """Whether a header names a column of durations by their unit, its other words all about
    time spent ("Duration (minutes)", "Minutes volunteered", "Time (mins)", "Hours
    (decimal)"); not a unit alone ("Minutes" may be a meeting's minutes) nor a unit of
    something else ("Admin hours")."""
    words = _header_words(header)
    rest = [w for w in words if w not in _UNIT_WORDS]
    return (header_unit(header) is not None and bool(rest)
            and all(w in _DURATION_WORDS for w in rest))


@dataclass(frozen=True)
class Mapping:
    """canonical field -> file column (only mapped fields appear)."""

    fields: dict[str, str]

    def to_json(self) -> dict[str, str]:
        return dict(self.fields)


def auto_map(columns: list[str], kind: str) -> dict[str, str]:
    """Map file columns to canonical fields by normalized name and synonyms."""
    by_norm: dict[str, str] = {}
    for col in columns:
        by_norm.setdefault(norm_header(col), col)
    taken: set[str] = set()
    result: dict[str, str] = {}
    for field, synonyms in FIELDS[kind].items():
        for syn in synonyms:
            match = by_norm.get(syn)
            if match is not None and match not in taken:
                result[field] = match
                taken.add(match)
                break
    if "hours" in FIELDS[kind] and "hours" not in result:
        found = next((c for c in columns if c not in taken and duration_header(c)), None)
        if found is not None:
            result["hours"] = found
    # a start time column and no date column: the "time" column is the date-time itself
    if "start_time" in result and "starts_at" not in result:
        result["starts_at"] = result.pop("start_time")
        if "end_time" in result and "ends_at" not in result:
            result["ends_at"] = result.pop("end_time")
    return result


def resolve_mapping(columns: list[str], kind: str, explicit: dict[str, str] | None) -> Mapping:
    """Auto-map, then apply the explicit mapping (a value of None or '' unmaps a field)."""
    if kind not in FIELDS:
        raise MappingError(f"unknown file kind {kind!r}")
    fields = auto_map(columns, kind)
    for field, col in (explicit or {}).items():
        if field not in FIELDS[kind]:
            raise MappingError(f"unknown field {field!r} for a {kind} file; fields are "
                               f"{', '.join(FIELDS[kind])}")
        if not col:
            fields.pop(field, None)
            continue
        if col not in columns:
            raise MappingError(f"the mapping names column {col!r}, which the file does not "
                               f"have; its columns are {', '.join(columns)}")
        for other, c in list(fields.items()):
            if c == col and other != field and {other, field} != SHARED_FIELDS:
                del fields[other]
        fields[field] = col
    # auto-mapped time in/out only as a pair and without hours: a lone "Sign in" column
    # (signatures) or a file with its own hours is not a time span
    auto_times = [f for f in TIME_FIELDS if f in fields and f not in (explicit or {})]
    if auto_times and ("hours" in fields or not all(f in fields for f in TIME_FIELDS)):
        for f in auto_times:
            del fields[f]
    return Mapping(fields)


def check_required(mapping: Mapping, kind: str, columns: list[str]) -> None:
    """Raise MappingError naming what is missing and what the file has."""
    f = mapping.fields
    missing = []
    if not any(k in f for k in IDENTITY_FIELDS):
        missing.append("a person column (email, phone, a person id or a name)")
    if kind == "participation":
        if "title" not in f and "event_id" not in f:
            missing.append("an event column (event name or event id)")
        if "starts_at" not in f:
            missing.append("a date column (start date/time)")
    if kind == "ask":
        if "asked_at" not in f:
            missing.append("a date column (date of the ask)")
        if "rung" not in f and "ask" not in f:
            missing.append("the rung of the ask or what was asked")
    if missing:
        raise MappingError(
            f"could not find {' and '.join(missing)}. The file's columns are: "
            f"{', '.join(columns)}. Map them on the Data page or with --mapping.")
