"""Source adapters on golden export files written from the documented formats
(tests/golden/<tool>/…, see docs/export-formats.md): detection (a file
from tool A is never detected as tool B), the canonical rows each file gives,
status tables, and idempotence (the same export twice, or pasted after itself,
changes nothing)."""
from __future__ import annotations

from pathlib import Path

import pytest

from engage_metrics import adapters, db, reader
from engage_metrics.adapters.base import CANONICAL_STATUSES, REJECT, title_from_file_name
from engage_metrics.importer import import_files, import_uploads
from engage_metrics.options import ImportOptions

GOLDEN = Path(__file__).with_name("golden")
MOBILIZE = ["mobilize/participations.csv", "mobilize/timeslots.csv", "mobilize/events.csv"]

# every golden file -> the adapter it must be detected as (companions: their role)
DETECTED = {
    "mobilize/participations.csv": "mobilize",
    "mobilize/timeslots.csv": "companion:timeslots",
    "mobilize/events.csv": "companion:events",
    "mobilize/shift export.csv": "mobilize",
    "mobilize/event export.csv": "companion:events",
    "action_network/export-2024-03-12-csv_report_332566_1710201600.csv": "action_network",
    "action_network/attendances.csv": "action_network",
    # the people and event records are companions of the attendances (companions.kind)
    "action_network/people.csv": "generic",
    "action_network/events.csv": "generic",
    "van/EventParticipants20240312-11056504994.txt": "van",
    "van/event_signups_750001211.csv": "van",
    "eventbrite/Spring Gala attendee summary.csv": "eventbrite",
    "eventbrite/attendee summary uk.csv": "eventbrite",
    "eventbrite/attendees_812345678901.csv": "eventbrite",
    "salesforce_v4s/Volunteer Hours report.csv": "salesforce_v4s",
    "salesforce_v4s/bulkQuery_result.csv": "salesforce_v4s",
    "civicrm/CiviCRM_Participant_Search.csv": "civicrm",
    "civicrm/participant_get_api3.csv": "civicrm",
    "civicrm/Participant_get_api4.csv": "civicrm",
    "google_forms/Volunteer Sign-In (Responses) - Form Responses 1.csv": "google_forms",
    "zoom/participants_60245167821.csv": "zoom",
    "zoom/meeting report.csv": "zoom",
    "zoom/85234567890 - Attendee Report.csv": "zoom",
    "signupgenius/report_filled_4567.csv": "signupgenius",
    "galaxy_digital/hours.csv": "galaxy_digital",
    "generic/signups.csv": "generic",
}

# one import per case: files, options
CASES = {
    "mobilize": (MOBILIZE, {}),
    "action_network": (["action_network/export-2024-03-12-csv_report_332566_1710201600.csv"],
                       {"event_title": "Town Hall", "event_date": "3/14/2024 7:00 PM"}),
    "van": (["van/EventParticipants20240312-11056504994.txt"], {}),
    "eventbrite": (["eventbrite/Spring Gala attendee summary.csv"],
                   {"event_title": "Spring Gala", "event_date": "2024-12-07 19:00"}),
    "salesforce_report": (["salesforce_v4s/Volunteer Hours report.csv"], {}),
    "salesforce_api": (["salesforce_v4s/bulkQuery_result.csv"], {}),
    "civicrm": (["civicrm/CiviCRM_Participant_Search.csv"], {}),
    "google_forms": (["google_forms/Volunteer Sign-In (Responses) - Form Responses 1.csv"], {}),
    "zoom_meeting": (["zoom/participants_60245167821.csv"], {}),
    "zoom_one_table": (["zoom/meeting report.csv"], {}),
    "zoom_webinar": (["zoom/85234567890 - Attendee Report.csv"], {}),
    "signupgenius": (["signupgenius/report_filled_4567.csv"], {}),
    "galaxy_digital": (["galaxy_digital/hours.csv"], {}),
    "generic": (["generic/signups.csv"], {}),
}


def read(rel: str) -> reader.RawTable:
    path = GOLDEN / rel
    return reader.read_bytes(path.read_bytes(), path.name)


def rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def canonical(con) -> list[tuple]:
    """(email or name, event title, local start, status, role, hours) of every participation."""
    return rows(con, "SELECT COALESCE(p.email, p.full_name), e.title, "
                     "strftime(e.starts_at, '%Y-%m-%d %H:%M'), pa.status, pa.role, pa.hours "
                     "FROM participation pa JOIN person p USING (person_id) "
                     "JOIN event e USING (event_id) ORDER BY 3, 2, 1")


def state(con) -> dict[str, list[str]]:
    """The canonical tables, without the import ids that say which import holds a row."""
    return {t: sorted(map(repr, rows(con, f"SELECT * EXCLUDE ({drop}) FROM {t}")))
            for t, drop in (("person", "first_seen"), ("identifier", "ident_no"),
                            ("event", "event_id"), ("participation", "import_id"))}


def run(store, case: str, **extra):
    files, options = CASES[case]
    return import_files(store, [GOLDEN / f for f in files], ImportOptions(**{**options, **extra}))


# ------------------------------------------------------------------ detection

@pytest.mark.parametrize("rel", sorted(DETECTED))
def test_each_golden_file_is_detected_as_its_tool_and_no_other(rel):
    table = read(rel)
    expected = DETECTED[rel]
    matching = [a.name for a in adapters.ADAPTERS.values() if a.matches(table)]
    role = adapters.companion_role(table)
    if expected.startswith("companion:"):
        assert role == expected.split(":")[1]
        assert matching == []
    else:
        assert role is None
        assert matching == ([] if expected == "generic" else [expected])
        assert adapters.detect(table).name == expected


def test_every_adapter_has_a_golden_file_and_sources_are_listed():
    assert {v for v in DETECTED.values() if not v.startswith("companion")} == set(adapters.ADAPTERS)
    sources = adapters.list_sources()
    assert sources[-1] == ("generic", "Generic CSV / Excel")
    assert sorted(n for n, _ in sources) == sorted(adapters.ADAPTERS)


@pytest.mark.parametrize("name", sorted(adapters.ADAPTERS))
def test_status_tables_are_explicit_and_canonical(name):
    table = adapters.ADAPTERS[name].statuses or {}
    for word, value in table.items():
        # a rejection names the value (CiviCRM: its label, for both name and label)
        assert value in CANONICAL_STATUSES or (value.startswith(REJECT) and " '" in value), word


# ------------------------------------------------------------------ canonical rows per tool

def test_mobilize_three_tables_joined(store):
    [r] = run(store, "mobilize")
    assert r.file_name == "participations.csv + events.csv + timeslots.csv"
    assert (r.source, r.accepted, r.rejected) == ("mobilize", 5, 1)
    assert r.rejected_rows[["line_no", "reason"]].values.tolist() == [[6, "unknown status 'WAITLISTED'"]]
    assert canonical(store) == [
        ("ana@example.org", "Saturday Canvass", "2024-03-09 09:00", "attended", "attendee", None),  # 14:00+00 -> EST
        ("bob@example.org", "Saturday Canvass", "2024-03-09 09:00", "no_show", "attendee", None),   # attended false
        ("bob@example.org", "Saturday Canvass", "2024-03-10 19:30", "attended", "attendee", None),  # 23:30+00 -> EDT
        ("cara@example.org", "Saturday Canvass", "2024-03-10 19:30", "registered", "attendee", None),  # attended blank
        # CANCELLED wins over attended=false; 00:00+00 on the 14th is the evening of the 13th
        ("ana@example.org", "Volunteer Meeting", "2024-03-13 20:00", "cancelled", "attendee", None),
    ]
    # each timeslot is its own occurrence; types from the events table
    assert rows(store, "SELECT event_key, event_type FROM event ORDER BY 1") == [
        ("id:701", "CANVASS"), ("id:702", "CANVASS"), ("id:703", "MEETING")]
    assert rows(store, "SELECT key FROM identifier WHERE kind = 'ext' ORDER BY 1") == [
        ("ext:mobilize:9001",), ("ext:mobilize:9002",), ("ext:mobilize:9003",)]


def test_mobilize_participations_alone_asks_for_timeslots_and_events(store):
    [r] = import_files(store, [GOLDEN / MOBILIZE[0]])
    assert r.status == "failed"
    assert "timeslots" in r.message and "events" in r.message and "no event dates" in r.message
    [r] = import_files(store, [GOLDEN / MOBILIZE[1]])
    assert r.status == "failed" and "Mobilize's timeslots table" in r.message
    assert rows(store, "SELECT COUNT(*) FROM import_log") == [(0,)]


def test_action_network_rsvps_are_registrations_unless_told(store, tmp_path):
    files, _ = CASES["action_network"]
    [r] = import_files(store, [GOLDEN / files[0]])
    assert r.status == "failed" and "no event date column" in r.message
    [r] = run(store, "action_network")
    assert (r.source, r.accepted) == ("action_network", 3)
    assert canonical(store) == [
        ("ana@example.org", "Town Hall", "2024-03-14 19:00", "registered", "attendee", None),
        ("bob@example.org", "Town Hall", "2024-03-14 19:00", "registered", "attendee", None),
        ("cara@example.org", "Town Hall", "2024-03-14 19:00", "registered", "attendee", None)]
    assert rows(store, "SELECT phone FROM person WHERE email = 'ana@example.org'") == [("2025550101",)]
    other = db.connect(tmp_path / "other.duckdb")
    run(other, "action_network", treat_registered_as_attended=True)
    assert {s for *_, s, _, _ in canonical(other)} == {"attended"}
    other.close()


def test_action_network_activist_report_as_a_people_file(store):
    files, _ = CASES["action_network"]
    [r] = import_files(store, [GOLDEN / files[0]], ImportOptions(kind="people"))
    assert (r.source, r.accepted) == ("action_network", 3)
    assert rows(store, "SELECT email, phone FROM person ORDER BY 1") == [
        ("ana@example.org", "2025550101"), ("bob@example.org", None), ("cara@example.org", None)]


def test_van_tab_delimited_cp1252_statuses_and_shifts(store):
    [r] = run(store, "van")
    assert (r.source, r.accepted, r.rejected) == ("van", 6, 2)
    assert "decoded as Windows-1252" in r.notes
    assert r.rejected_rows[["line_no", "reason"]].values.tolist() == [
        [6, "VAN status 'Left Msg' is a contact attempt, not a sign-up"],
        [7, "VAN status 'Invited' is an invitation, not a sign-up"]]
    assert canonical(store) == [
        ("ana@example.org", "Canvass Kickoff", "2024-03-09 10:00", "attended", "volunteer", None),
        ("bob@example.org", "Canvass Kickoff", "2024-03-09 10:00", "no_show", "volunteer", None),
        ("cara@example.org", "Canvass Kickoff", "2024-03-09 10:00", "registered", "volunteer", None),  # Sched-Web
        ("José Muñoz", "Canvass Kickoff", "2024-03-09 14:00", "attended", "volunteer", None),  # Walk In
        ("Li Chen", "Phone Bank Night", "2024-03-12 18:00", "registered", "volunteer", None),  # Scheduled
        ("ana@example.org", "Phone Bank Night", "2024-03-12 18:00", "cancelled", "host", None),  # Declined
    ]
    assert rows(store, "SELECT event_key FROM event ORDER BY 1") == [
        ("id:4401/Afternoon",), ("id:4401/Morning",), ("id:4402",)]
    # people without email are identified by VANID, not weakly by name
    assert rows(store, "SELECT COUNT(*) FROM person WHERE weak_identity") == [(0,)]


def test_source_override_beats_detection(store, write):
    path = write("rsvps.csv", "Email,Event,Date,Status\na@x.org,Rally,2024-01-01,Left Msg\n"
                              "b@x.org,Rally,2024-01-01,Walk In\n")
    assert adapters.detect(reader.read_bytes(path.read_bytes(), path.name)).name == "generic"
    [r] = import_files(store, [path], ImportOptions(source="van"))
    assert (r.source, r.rejected_rows.reason.tolist()) == (
        "van", ["VAN status 'Left Msg' is a contact attempt, not a sign-up"])


def test_eventbrite_statuses_tickets_and_group_orders(store):
    files, _ = CASES["eventbrite"]
    [r] = import_files(store, [GOLDEN / files[0]])
    assert r.status == "failed" and "no event date column" in r.message
    [r] = run(store, "eventbrite")
    assert (r.source, r.accepted, r.rejected) == ("eventbrite", 7, 1)
    assert r.rejected_rows.reason.tolist() == ["unknown status 'Waitlisted'"]
    assert canonical(store) == [
        ("Pat Minor", "Spring Gala", "2024-12-07 19:00", "registered", "attendee", None),
        ("Sam Major", "Spring Gala", "2024-12-07 19:00", "attended", "attendee", None),
        ("ann@example.org", "Spring Gala", "2024-12-07 19:00", "cancelled", "attendee", None),   # Not Attending
        ("john@example.org", "Spring Gala", "2024-12-07 19:00", "registered", "attendee", None),  # 2 tickets, 1 person
        ("mary@example.org", "Spring Gala", "2024-12-07 19:00", "attended", "attendee", None),   # Checked In, buyer
        ("raj@example.org", "Spring Gala", "2024-12-07 19:00", "cancelled", "attendee", None),   # Deleted
    ]
    # the group order's other attendees are weak (name) identities; Attendee # is no identity
    assert rows(store, "SELECT full_name FROM person WHERE weak_identity ORDER BY 1") == [
        ("Pat Minor",), ("Sam Major",)]
    assert rows(store, "SELECT COUNT(*) FROM identifier WHERE kind = 'ext'") == [(0,)]


def test_salesforce_report_export_with_footer(store):
    [r] = run(store, "salesforce_report")
    assert (r.source, r.accepted, r.rejected, r.skipped) == ("salesforce_v4s", 6, 1, 5)
    assert r.rejected_rows.reason.tolist() == ["unknown status 'Left Early'"]
    assert canonical(store) == [
        ("ana@example.org", "Food Pantry Sort", "2024-03-09 09:00", "attended", "attendee", 3.0),
        ("bob@example.org", "Food Pantry Sort", "2024-03-09 09:00", "no_show", "attendee", 0.0),
        ("cara@example.org", "Food Pantry Sort", "2024-03-16 09:00", "registered", "attendee", None),  # Web Sign Up
        ("dan@example.org", "Tutoring", "2024-03-20 00:00", "attended", "attendee", 2.5),  # no shift: Start Date
        ("eve@example.org", "Tutoring", "2024-03-21 16:00", "cancelled", "attendee", None),  # Canceled
        ("fay@example.org", "Tutoring", "2024-03-21 16:00", "registered", "attendee", None),  # Prospect
    ]
    assert rows(store, "SELECT full_name FROM person WHERE email = 'ana@example.org'") == [("Ana López",)]
    assert rows(store, "SELECT DISTINCT program FROM event ORDER BY 1") == [("Spring Drive",), ("Youth",)]


def test_salesforce_data_loader_api_names(store):
    [r] = run(store, "salesforce_api")
    assert (r.source, r.accepted) == ("salesforce_v4s", 3)
    assert canonical(store) == [
        ("Ana López", "Food Pantry Sort", "2024-03-09 09:00", "attended", "attendee", 3.0),  # ...T14:00:00.000Z
        ("Bob Smith", "Food Pantry Sort", "2024-03-09 09:00", "registered", "attendee", None),
        ("Cara Díaz", "Tutoring", "2024-03-20 00:00", "attended", "attendee", 2.5)]
    assert rows(store, "SELECT key FROM identifier ORDER BY 1")[0] == ("ext:salesforce_v4s:0035e00000AbCdEAAV",)


def test_civicrm_sort_names_and_statuses(store):
    [r] = run(store, "civicrm")
    assert (r.source, r.accepted, r.rejected) == ("civicrm", 6, 1)
    assert r.rejected_rows.reason.tolist() == [
        "CiviCRM status 'Pending (incomplete transaction)' is an unfinished online payment, not a sign-up"]
    assert rows(store, "SELECT first_name, last_name, full_name, pa.status, pa.role FROM person "
                       "JOIN participation pa USING (person_id) ORDER BY full_name") == [
        (None, None, "Acme Food Bank", "registered", "attendee"),   # organization, Pending (pay later)
        ("Ana", "Lopez", "Ana Lopez", "attended", "attendee"),
        ("Bob", "Smith", "Bob Smith", "no_show", "volunteer"),
        ("Cara", "Díaz", "Cara Díaz", "registered", "host"),
        ("Eve", "Ray", "Eve Ray", "registered", "attendee"),         # On waitlist
        ("Fay", "Lin", "Fay Lin", "cancelled", "attendee")]
    assert rows(store, "SELECT title, strftime(starts_at, '%Y-%m-%d %H:%M'), event_type FROM event "
                       "ORDER BY 2") == [("Spring Potluck", "2024-04-06 18:00", "Social Event"),
                                        ("Board Training", "2024-04-13 09:00", "Training")]


def test_google_forms_sign_in_sheet(store):
    [r] = run(store, "google_forms")
    assert (r.source, r.accepted) == ("google_forms", 6)
    assert canonical(store) == [
        # the double submission at 18:09 is the same person x event
        ("ana@example.org", "Volunteer Sign-In", "2024-03-09 00:00", "attended", "attendee", None),
        ("bob@example.org", "Volunteer Sign-In", "2024-03-09 00:00", "attended", "attendee", None),
        ("<b>Dee</b> Ng", "Volunteer Sign-In", "2024-03-16 00:00", "attended", "attendee", None),
        ("ana@example.org", "Volunteer Sign-In", "2024-03-16 00:00", "attended", "attendee", None),
        ("cara@example.org", "Volunteer Sign-In", "2024-03-16 00:00", "attended", "attendee", None),
    ]
    # formula-looking and HTML cells are stored verbatim, as text
    assert rows(store, "SELECT full_name FROM person WHERE email = 'cara@example.org'") == [
        ('=HYPERLINK("http://evil.example","Cara")',)]


def test_zoom_meeting_report_segments_are_one_participation(store):
    [r] = run(store, "zoom_meeting")
    assert (r.source, r.accepted) == ("zoom", 4)
    assert "6 join segments combined into 4 participations" in r.notes
    assert canonical(store) == [
        ("Thor Odinson", "Heroes meeting", "2021-11-19 10:00", "attended", "attendee", 1.72),  # (58+45)/60, guest
        ("host@marvel.com", "Heroes meeting", "2021-11-19 10:00", "attended", "attendee", 2.08),  # 125/60
        ("loki_asgardian@marvel.com", "Heroes meeting", "2021-11-19 10:00", "attended", "attendee", 1.88),  # (36+77)/60
        ("wanda@marvel.com", "Heroes meeting", "2021-11-19 10:00", "attended", "attendee", 0.5),
    ]
    assert rows(store, "SELECT full_name, weak_identity FROM person ORDER BY 1") == [
        ("Loki Laufeyson", False), ("Nick Fury", False), ("Thor Odinson", True),
        ("Wanda M (she/her)", False)]


def test_zoom_one_table_variant(store):
    run(store, "zoom_one_table")
    assert canonical(store) == [
        ("ana@example.org", "Team sync", "2023-01-06 00:00", "attended", "attendee", 0.83),  # (20+30)/60
        ("bob@example.org", "Team sync", "2023-01-06 00:00", "attended", "attendee", 0.98)]  # 59/60


def test_zoom_webinar_attendees_with_bom(store):
    assert (GOLDEN / CASES["zoom_webinar"][0][0]).read_bytes().startswith(b"\xef\xbb\xbf")
    [r] = run(store, "zoom_webinar")
    assert (r.source, r.accepted) == ("zoom", 3)
    assert canonical(store) == [   # host and panelist sections are not attendees
        ("ana@example.org", "Spring Town Hall", "2024-03-09 18:00", "attended", "attendee", 0.93),  # 56 min
        ("bob@example.org", "Spring Town Hall", "2024-03-09 18:00", "attended", "attendee", 0.75),
        ("cara@example.org", "Spring Town Hall", "2024-03-09 18:00", "no_show", "attendee", None)]


def test_signupgenius_slots_are_registrations(store):
    [r] = run(store, "signupgenius")
    assert (r.source, r.accepted) == ("signupgenius", 3)
    assert canonical(store) == [   # unix 1709992800 = 2024-03-09 14:00 UTC = 09:00 EST
        ("ana@example.org", "Food Drive – Sorting", "2024-03-09 09:00", "registered", "attendee", None),
        ("bob@example.org", "Food Drive – Sorting", "2024-03-09 09:00", "registered", "attendee", None),
        ("cara@example.org", "Food Drive – Delivery", "2024-03-09 12:00", "registered", "attendee", None)]


def test_galaxy_digital_hours(store):
    [r] = run(store, "galaxy_digital")
    assert (r.source, r.accepted, r.rejected) == ("galaxy_digital", 3, 1)
    assert r.rejected_rows.reason.iloc[0].startswith("Galaxy Digital hours 'Declined'")
    assert canonical(store) == [
        ("ana@example.org", "Pantry Shift", "2024-03-09 09:00", "attended", "attendee", 3.0),
        ("bob@example.org", "Pantry Shift", "2024-03-09 09:00", "attended", "attendee", 2.0),  # Pending
        ("ana@example.org", "Pantry Shift", "2024-03-16 09:00", "attended", "attendee", 3.0)]
    assert rows(store, "SELECT COUNT(*), MIN(program) FROM event") == [(2, "Metro Food Bank")]


def test_generic_file(store):
    [r] = run(store, "generic")
    assert r.source == "generic"
    assert [s for *_, s, _, _ in canonical(store)] == ["attended", "no_show"]


# ------------------------------------------------------------------ idempotence

@pytest.mark.parametrize("case", sorted(CASES))
def test_same_export_twice_or_pasted_after_itself_changes_nothing(case, store, tmp_path):
    files, options = CASES[case]
    uploads = [(Path(f).name, (GOLDEN / f).read_bytes()) for f in files]
    first = import_uploads(store, uploads, ImportOptions(**options))
    assert [r.status for r in first] == ["imported"]
    before = state(store)
    again = import_uploads(store, uploads, ImportOptions(**options))
    assert [r.status for r in again] == ["duplicate"]
    doubled = [(uploads[0][0], uploads[0][1] * 2)] + uploads[1:]
    [r] = import_uploads(store, doubled, ImportOptions(**options))
    assert r.status == "imported" and r.source == first[0].source
    assert r.accepted == 2 * first[0].accepted or case.startswith("zoom")
    assert state(store) == before
    # and the doubled file alone gives the same database as the file once
    fresh = db.connect(tmp_path / "fresh.duckdb")
    import_uploads(fresh, doubled, ImportOptions(**options))
    assert state(fresh) == before
    fresh.close()


def test_title_from_google_sheets_file_names():
    assert title_from_file_name("Volunteer Sign-In (Responses) - Form Responses 1.csv") == "Volunteer Sign-In"
    assert title_from_file_name("Gala check-in - Sheet1.csv") == "Gala check-in"
    assert title_from_file_name("roster.xlsx") == "roster"


def test_van_without_an_end_time_gives_events_no_end(store):
    text = ("VANID\tLastName\tFirstName\tEmail\tEventID\tEventName\tEventType\tEventDate\t"
            "StartTime\tRole\tStatus\n"
            "100001\tLopez\tAna\tana@x.org\t1201\tPhone Bank\tPhone Bank\t3/14/2024\t6:00 PM\t"
            "Caller\tCompleted\n")
    [r] = import_uploads(store, [("EventParticipants.txt", text.encode())])
    assert (r.status, r.source) == ("imported", "van"), r.message
    # StartTime and no end time: the event starts at 18:00 and has no end (never the bare
    # date's midnight, which would end it before it starts)
    assert store.execute("SELECT CAST(starts_at AS VARCHAR), ends_at FROM event").fetchall() == [
        ("2024-03-14 18:00:00", None)]


def test_mobilize_takes_the_email_typed_at_signup_when_the_current_one_is_blank(store):
    participations = (
        "id,user_id,user__given_name,user__family_name,user__email_address,email_at_signup,"
        "event_id,timeslot_id,status,attended\n"
        "1,11,Ana,Lopez,ana@x.org,ana.old@x.org,7,70,CONFIRMED,true\n"
        "2,12,Gus,Olsen,,gus@x.org,7,70,CONFIRMED,true\n")
    timeslots = ("id,start_date,end_date,event_id,created_date,modified_date,deleted_date,"
                 "max_attendees\n70,2024-03-09 15:00:00+00,2024-03-09 17:00:00+00,7,,,,20\n")
    [r] = import_uploads(store, [("participations.csv", participations.encode()),
                                 ("timeslots.csv", timeslots.encode())])
    assert r.status == "imported", r.message
    assert ("1 row(s) have no current email (user__email_address) and take the email typed "
            "at signup") in r.notes
    # the current email wins where there is one; Gus's blank one falls back to his signup's
    assert store.execute("SELECT full_name, email FROM person ORDER BY 1").fetchall() == [
        ("Ana Lopez", "ana@x.org"), ("Gus Olsen", "gus@x.org")]
