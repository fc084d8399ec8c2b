"""Zoom participant reports: the meeting report (meeting header block, a blank
spacer row, then the participant table), its one-table variant, the
participant table alone, and the webinar attendee report (BOM, metadata
blocks, "Attendee Details"). One row per join segment: the segments of one
person (email, else name) in one meeting are one participation with
hours = total minutes / 60; identical segments (a file pasted twice) count once."""
from __future__ import annotations

import csv
import re

import pandas as pd

from engage_metrics.adapters.base import (
    Adapter,
    AdapterError,
    Context,
    has_all,
    norm_words,
    title_from_file_name,
)
from engage_metrics.mapping import norm_header
from engage_metrics.reader import RawTable, table_from_records

_MEETING = (("meetingid", "webinarid"), ("topic",), ("starttime", "actualstarttime"))
_PEOPLE = (("nameoriginalname", "usernameoriginalname"), ("jointime",), ("leavetime",))
_ORIGINAL = re.compile(r"^(?P<shown>.*\S)\s*\((?P<original>[^()/]*[A-Za-z][^()/]*)\)$")


def _norm(cells: list[str]) -> list[str]:
    return [norm_header(c) for c in cells]


def _is(cells: list[str], groups: tuple[tuple[str, ...], ...]) -> bool:
    return has_all(cells, groups)


def sniff(table: RawTable) -> bool:
    if _is(table.columns, _PEOPLE):
        return True                           # one-table variant or the participant table alone
    if not _is(table.columns, _MEETING) and norm_header(table.columns[0]) != "attendeereport":
        return False
    lines = (table.text or "").splitlines()
    return any(_is(next(csv.reader([ln]), []), _PEOPLE) for ln in lines)


def _segments(table: RawTable) -> list[dict[str, str]]:
    """Every participant row with its meeting, walking the sections of the text."""
    lines = (table.text or "").splitlines()
    records = list(csv.reader(lines))
    segs: list[dict[str, str]] = []
    meeting: dict[str, str] = {}
    meeting_header: list[str] | None = None
    people_header: list[str] | None = None
    section = ""
    for i, cells in enumerate(records):
        cells = [c.strip() for c in cells]
        filled = [c for c in cells if c]
        if not filled:
            continue
        if len(filled) == 1 and re.search("[A-Za-z]", filled[0]):
            section = norm_header(filled[0])        # "Attendee Details", "Host Details" …
            people_header = None
            continue
        if _is(cells, _PEOPLE):
            people_header = _norm(cells)
            if _is(cells, _MEETING):                # the one-table variant
                meeting_header = None
            continue
        if _is(cells, _MEETING):
            meeting_header, people_header = _norm(cells), None
            continue
        if meeting_header is not None and people_header is None:
            meeting = dict(zip(meeting_header, cells, strict=False))
            continue
        if people_header is None or section in ("hostdetails", "panelistdetails"):
            continue
        row: dict[str, str] = {}
        for h, c in zip(people_header, cells, strict=False):
            row.setdefault(h, c)              # first "User Email" / "Duration" is the host's
        if meeting_header is None and "topic" in row:   # one-table variant
            row_meeting = {k: row.get(k, "") for k in ("topic", "meetingid", "starttime")}
            later = dict(zip(people_header, cells, strict=False))   # last of a repeated name
            row.update({"useremail": later.get("useremail", ""),
                        "durationminutes": later.get("durationminutes", "")})
        else:
            row_meeting = meeting
        segs.append({
            "line": str(i + 1), "raw": lines[i] if i < len(lines) else ",".join(cells),
            "name": row.get("nameoriginalname") or row.get("usernameoriginalname", ""),
            "email": row.get("useremail") or row.get("email", ""),
            "join": row.get("jointime", ""),
            "minutes": row.get("durationminutes") or row.get("timeinsessionminutes", ""),
            "attended": row.get("attended", ""),
            "topic": row_meeting.get("topic", ""),
            "meeting_id": row_meeting.get("meetingid") or row_meeting.get("webinarid", ""),
            "start": row_meeting.get("starttime") or row_meeting.get("actualstarttime", ""),
        })
    return segs


def _person_name(text: str) -> str:
    """'015_Loki (Loki Laufeyson)' -> 'Loki Laufeyson': the account's original name
    over an edited display name (pronouns in parentheses are not a name)."""
    m = _ORIGINAL.match(text)
    return m.group("original").strip() if m else text


def participants(table: RawTable, ctx: Context) -> RawTable:
    segs = pd.DataFrame(_segments(table), dtype=object)
    if segs.empty:
        raise AdapterError("This Zoom report has no participant rows.")
    segs["name"] = segs["name"].map(_person_name)
    segs["who"] = segs["email"].str.lower().where(segs["email"].ne(""),
                                                  "name:" + segs["name"].map(norm_words))
    joined = pd.to_datetime(segs["join"], errors="coerce", format="mixed")
    no_start = segs["start"].eq("")
    if no_start.any():                                 # the participant table alone
        first_join = segs.loc[joined.notna()].assign(j=joined).groupby("meeting_id")["j"].min()
        start = segs["meeting_id"].map(first_join.dt.strftime("%m/%d/%Y %I:%M %p")).fillna("")
        segs.loc[no_start, "start"] = (ctx.event_date or "") or start[no_start]
        default = ctx.event_title or title_from_file_name(ctx.file_name)
        from_name = re.search(r"\d{9,11}", ctx.file_name)
        segs.loc[segs["meeting_id"].eq(""), "meeting_id"] = from_name.group(0) if from_name else ""
        segs.loc[segs["topic"].eq(""), "topic"] = default
    if ctx.event_title:
        segs["topic"] = ctx.event_title
    segs["occurrence"] = segs["meeting_id"] + "@" + segs["start"]
    segs = segs.drop_duplicates(subset=["occurrence", "who", "join", "minutes", "attended"])
    segs["mins"] = pd.to_numeric(segs["minutes"], errors="coerce")
    grouped = segs.groupby(["occurrence", "who"], sort=False)
    people = grouped.agg(line=("line", "first"), name=("name", "first"), email=("email", "first"),
                         topic=("topic", "first"), meeting_id=("meeting_id", "first"),
                         start=("start", "first"), mins=("mins", lambda s: s.sum(min_count=1)),
                         raw=("raw", "\n".join),
                         attended=("attended", lambda s: "Yes" if (s.str.lower() == "yes").any()
                                   else s.iloc[0]))
    people = people.reset_index()
    hours = (people["mins"] / 60).round(2)
    cells = pd.DataFrame({
        "Name": people["name"], "Email": people["email"], "Meeting": people["topic"],
        "Meeting ID": people["occurrence"], "Start Time": people["start"],
        "Attended": people["attended"],
        "Hours": hours.map(lambda h: "" if pd.isna(h) or h == 0 else f"{h:g}")}, dtype=object)
    if not cells["Attended"].ne("").any():       # meeting reports: everyone listed attended
        cells = cells.drop(columns=["Attended"])
    records = [list(cells.columns)] + cells.values.tolist()
    line_nos = [0] + people["line"].astype(int).tolist()
    raws = [""] + people["raw"].tolist()
    # the reader's notes on the first line's shape do not apply to the sections
    out = table_from_records(records, line_nos, raws, ctx.file_name, table.encoding,
                             table.delimiter, [])
    joins = len(segs) - len(people)
    if joins:
        out.notes.append(f"{len(segs)} join segments combined into {len(people)} participations")
    return out


ADAPTER = Adapter(
    name="zoom", label="Zoom (meeting participants / webinar attendees)",
    signature=("Meeting ID|Webinar ID", "Topic",
               "Name (Original Name)|User Name (Original Name)", "User Email", "Join Time",
               "Leave Time", "Duration (Minutes)"),
    sniff=sniff,
    mapping={
        "full_name": ("name",), "email": ("email",), "title": ("meeting",),
        "event_id": ("meetingid",), "starts_at": ("starttime",), "hours": ("hours",),
        "attended": ("attended",), "first_name": (), "last_name": (), "phone": (),
        "external_id": (), "status": (), "ends_at": (), "role": (), "program": (),
        "event_type": (),
    },
    statuses=None,
    transform=participants,
    notes="join segments of one person (email, else name) are one participation, hours = "
          "total minutes / 60; guests without email are identified by name; webinar "
          "Attended Yes/No -> attended/no_show. The occurrence is meeting id + start time.",
)
