"""Issue 13, detection: a tool's export is recognized in each of its documented forms — the
human-readable download (report labels) and the API or SQL-mirror column names — with a
golden file per form (docs/export-formats.md says which forms each tool has, with sources).
The forms already covered by tests/test_adapters.py (Mobilize's SQL-mirror views, Action
Network's report, VAN's UI export, Eventbrite's attendee summary, Salesforce's report and
Data Loader files, CiviCRM's search export) are listed here for detection only."""
from __future__ import annotations

from pathlib import Path

import pytest

from engage_metrics import adapters, cli, reader
from engage_metrics.adapters import companions, osdi
from engage_metrics.importer import import_files
from engage_metrics.options import ImportOptions

GOLDEN = Path(__file__).with_name("golden")

# tool -> {form: golden file}
FORMS = {
    "mobilize": {"SQL-mirror participations view": "mobilize/participations.csv",
                 "dashboard shift export": "mobilize/shift export.csv"},
    "action_network": {
        "report download": "action_network/export-2024-03-12-csv_report_332566_1710201600.csv",
        "API attendances (OSDI, flattened)": "action_network/attendances.csv"},
    "van": {"UI export (tab-delimited)": "van/EventParticipants20240312-11056504994.txt",
            "API signups (Parsons)": "van/event_signups_750001211.csv"},
    "eventbrite": {"attendee summary": "eventbrite/Spring Gala attendee summary.csv",
                   "attendee summary (UK)": "eventbrite/attendee summary uk.csv",
                   "API attendees": "eventbrite/attendees_812345678901.csv"},
    "salesforce_v4s": {"report export": "salesforce_v4s/Volunteer Hours report.csv",
                       "Data Loader (API names)": "salesforce_v4s/bulkQuery_result.csv"},
    "civicrm": {"search export": "civicrm/CiviCRM_Participant_Search.csv",
                "APIv3 Participant.get": "civicrm/participant_get_api3.csv",
                "APIv4 Participant.get": "civicrm/Participant_get_api4.csv"},
}
CASES = [(tool, form, rel) for tool, forms in FORMS.items() for form, rel in forms.items()]


def read(rel: str) -> reader.RawTable:
    path = GOLDEN / rel
    return reader.read_bytes(path.read_bytes(), path.name)


def rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def participations(con) -> list[tuple]:
    """(email or name, first, last, title, local start, local end, type, status, role)."""
    return rows(con, "SELECT COALESCE(p.email, p.full_name), p.first_name, p.last_name, e.title, "
                     "strftime(e.starts_at, '%Y-%m-%d %H:%M'), "
                     "strftime(e.ends_at, '%Y-%m-%d %H:%M'), e.event_type, pa.status, pa.role "
                     "FROM participation pa JOIN person p USING (person_id) "
                     "JOIN event e USING (event_id) ORDER BY 5, 4, 1, 8")


def identifiers(con) -> list[str]:
    return [k for (k,) in rows(con, "SELECT key FROM identifier ORDER BY 1")]


@pytest.mark.parametrize(("tool", "form", "rel"), CASES, ids=[f"{t}:{f}" for t, f, _ in CASES])
def test_each_form_of_a_tool_export_is_detected_as_that_tool_only(tool, form, rel):
    table = read(rel)
    assert [a.name for a in adapters.ADAPTERS.values() if a.matches(table)] == [tool]
    assert adapters.detect(table).name == tool
    # the file has every header of the form it is (the closest-formats message's view)
    assert adapters.ADAPTERS[tool].signature_missing(table.columns) == []
    assert adapters.closest(table.columns)[0].adapter.name == tool


def test_a_cut_down_api_file_is_told_the_headers_of_the_api_form_it_lacks():
    # an Eventbrite API attendee file without its order and check-in columns: the closest
    # format is Eventbrite, and what is missing is named in the API's own spelling
    columns = ["id", "profile.first_name", "profile.email", "ticket_class_name", "status"]
    table = reader.read_bytes((",".join(columns) + "\n1,Ana,ana@example.org,GA,Attending\n")
                              .encode(), "attendees.csv")
    assert adapters.detect(table).name == "generic"
    [near, *_] = adapters.closest(table.columns)
    assert (near.adapter.name, near.missing) == ("eventbrite", ("checked_in", "order_id"))


# ------------------------------------------------------------------ VAN: API signups

def test_van_api_signups_flattened_by_parsons(store):
    [r] = import_files(store, [GOLDEN / "van/event_signups_750001211.csv"])
    assert (r.source, r.accepted, r.rejected) == ("van", 5, 1)
    assert r.rejected_rows[["line_no", "reason"]].values.tolist() == [
        [6, "VAN status 'Left Msg' is a contact attempt, not a sign-up"]]
    assert participations(store) == [
        # startTimeOverride 2024-04-13T09:00:00-04:00, the Morning shift
        ("Luis Ortega", "Luis", "Ortega", "Spring Canvass Launch", "2024-04-13 09:00",
         "2024-04-13 12:00", None, "no_show", "canvasser"),
        ("dana.whitaker@example.org", "Dana", "Whitaker", "Spring Canvass Launch",
         "2024-04-13 09:00", "2024-04-13 12:00", None, "attended", "canvasser"),
        ("grace.lee@example.org", "Grace", "Lee", "Spring Canvass Launch", "2024-04-13 09:00",
         "2024-04-13 12:00", None, "cancelled", "canvasser"),
        # the Afternoon shift of the same event is its own occurrence (Walk In, Sched-Web)
        ("dana.whitaker@example.org", "Dana", "Whitaker", "Spring Canvass Launch",
         "2024-04-13 13:00", "2024-04-13 16:00", None, "attended", "canvasser"),
        ("priya.raman@example.org", "Priya", "Raman", "Spring Canvass Launch",
         "2024-04-13 13:00", "2024-04-13 16:00", None, "registered", "leader")]
    # each shift of the event is an occurrence: event_eventId / shift_eventShiftId
    assert rows(store, "SELECT event_key FROM event ORDER BY 1") == [
        ("id:750001211/19101",), ("id:750001211/19102",)]
    assert identifiers(store) == [
        "email:dana.whitaker@example.org", "email:grace.lee@example.org",
        "email:priya.raman@example.org", "ext:van:100349921", "ext:van:100349922",
        "ext:van:100349923", "ext:van:100349925", "phone:3205550142"]


# ------------------------------------------------------------------ Eventbrite: API attendees

EVENTBRITE_API = "eventbrite/attendees_812345678901.csv"


def test_eventbrite_api_attendees(store):
    [r] = import_files(store, [GOLDEN / EVENTBRITE_API],
                       ImportOptions(event_title="Community Garden Volunteer Day",
                                     event_date="2024-04-20 10:00"))
    assert (r.source, r.accepted, r.rejected) == ("eventbrite", 5, 0)
    assert participations(store) == [
        # a guest of Hannah's order with her email: identified by name (group orders)
        ("Piotr Kowalski", "Piotr", "Kowalski", "Community Garden Volunteer Day",
         "2024-04-20 10:00", None, None, "attended", "attendee"),
        ("arjun.mehta@example.org", "Arjun", "Mehta", "Community Garden Volunteer Day",
         "2024-04-20 10:00", None, None, "registered", "attendee"),          # Attending
        ("hkowalski@example.org", "Hannah", "Kowalski", "Community Garden Volunteer Day",
         "2024-04-20 10:00", None, None, "attended", "attendee"),           # Checked In
        ("keisha.morgan@example.org", "Keisha", "Morgan", "Community Garden Volunteer Day",
         "2024-04-20 10:00", None, None, "attended", "attendee"),
        ("omar.farouk@example.org", "Omar", "Farouk", "Community Garden Volunteer Day",
         "2024-04-20 10:00", None, None, "cancelled", "attendee")]         # cancelled True
    assert identifiers(store) == [
        "email:arjun.mehta@example.org", "email:hkowalski@example.org",
        "email:keisha.morgan@example.org", "email:omar.farouk@example.org",
        "name:eventbrite:piotr kowalski", "phone:3125550188"]


def test_eventbrite_api_attendees_need_the_events_date(store):
    [r] = import_files(store, [GOLDEN / EVENTBRITE_API])
    assert r.accepted == 0
    assert "no event date column" in r.message


def test_eventbrite_api_status_blank_or_contradicted(store, write):
    # no status word: checked_in decides; cancelled True wins over a stale status
    path = write("attendees.csv",
                 "id,profile.first_name,profile.last_name,profile.email,ticket_class_name,"
                 "checked_in,cancelled,refunded,status,event_id,order_id\n"
                 "1,Ana,Lopez,ana@example.org,GA,True,False,False,,5,10\n"
                 "2,Bob,Smith,bob@example.org,GA,False,False,False,,5,11\n"
                 "3,Cara,Diaz,cara@example.org,GA,False,True,True,Attending,5,12\n")
    [r] = import_files(store, [path], ImportOptions(event_title="Gala", event_date="2024-05-01"))
    assert (r.source, r.accepted, r.rejected) == ("eventbrite", 3, 0)
    assert rows(store, "SELECT p.email, pa.status FROM participation pa JOIN person p "
                       "USING (person_id) ORDER BY 1") == [
        ("ana@example.org", "attended"), ("bob@example.org", "registered"),
        ("cara@example.org", "cancelled")]


# ------------------------------------------------------------------ CiviCRM: API v3 and v4

def test_civicrm_api3_participant_get(store):
    [r] = import_files(store, [GOLDEN / "civicrm/participant_get_api3.csv"])
    assert (r.source, r.accepted, r.rejected) == ("civicrm", 5, 0)
    assert participations(store) == [
        # names from sort_name "Okafor, Chidi", not display_name "Mr. Chidi Okafor"
        ("Chidi Okafor", "Chidi", "Okafor", "Riverbank Cleanup", "2024-05-18 09:00",
         "2024-05-18 12:00", "Meeting", "attended", "volunteer"),
        ("Linh Nguyen", "Linh", "Nguyen", "Riverbank Cleanup", "2024-05-18 09:00",
         "2024-05-18 12:00", "Meeting", "no_show", "volunteer"),
        ("Samir Haddad", "Samir", "Haddad", "Riverbank Cleanup", "2024-05-18 09:00",
         "2024-05-18 12:00", "Meeting", "cancelled", "attendee"),
        ("Chidi Okafor", "Chidi", "Okafor", "Grant Writing 101", "2024-06-04 18:30",
         "2024-06-04 20:30", "Workshop", "registered", "attendee"),
        ("Maeve Brennan", "Maeve", "Brennan", "Grant Writing 101", "2024-06-04 18:30",
         "2024-06-04 20:30", "Workshop", "registered", "attendee")]           # On waitlist
    assert rows(store, "SELECT event_key FROM event ORDER BY 1") == [("id:14",), ("id:15",)]
    assert identifiers(store) == ["ext:civicrm:212", "ext:civicrm:213", "ext:civicrm:214",
                                  "ext:civicrm:215"]


def test_civicrm_api4_participant_get(store):
    [r] = import_files(store, [GOLDEN / "civicrm/Participant_get_api4.csv"])
    assert (r.source, r.accepted, r.rejected) == ("civicrm", 4, 1)
    # the status is status_id:label (never the number in status_id)
    assert r.rejected_rows[["line_no", "reason"]].values.tolist() == [
        [6, "CiviCRM status 'Pending (incomplete transaction)' is an unfinished online payment, "
            "not a sign-up"]]
    assert participations(store) == [
        ("Chidi Okafor", "Chidi", "Okafor", "Tenant Rights Clinic", "2024-07-11 17:30",
         "2024-07-11 19:30", None, "attended", "attendee"),
        # an organization's sort name has no comma: a full name
        ("Eastside Mutual Aid", None, None, "Tenant Rights Clinic", "2024-07-11 17:30",
         "2024-07-11 19:30", None, "registered", "attendee"),                # Pending (pay later)
        ("Linh Nguyen", "Linh", "Nguyen", "Tenant Rights Clinic", "2024-07-11 17:30",
         "2024-07-11 19:30", None, "no_show", "attendee"),
        ("Rosa Whitfield", "Rosa", "Whitfield", "Tenant Rights Clinic", "2024-07-11 17:30",
         "2024-07-11 19:30", None, "registered", "attendee")]
    assert identifiers(store) == ["ext:civicrm:212", "ext:civicrm:213", "ext:civicrm:216",
                                  "ext:civicrm:217"]


def test_the_same_person_across_civicrm_forms_is_one_person(store):
    # contact 212 in the APIv3 and the APIv4 file: one person (the contact id)
    import_files(store, [GOLDEN / "civicrm/participant_get_api3.csv"])
    import_files(store, [GOLDEN / "civicrm/Participant_get_api4.csv"])
    assert rows(store, "SELECT count(*) FROM participation pa JOIN identifier i "
                       "USING (person_id) WHERE i.key = 'ext:civicrm:212'") == [(3,)]


# ------------------------------------------------------------------ companions of a form

@pytest.mark.parametrize(("rel", "role"), [
    ("action_network/people.csv", "contacts"), ("action_network/events.csv", "shifts")])
def test_action_network_people_and_event_records_are_companions(rel, role):
    table = read(rel)
    assert adapters.detect(table).name == "generic"
    assert companions.kind(table) == role


def test_mobilize_event_export_is_a_companion_of_the_shift_export():
    assert adapters.companion_role(read("mobilize/event export.csv")) == "events"


@pytest.mark.parametrize(("rel", "says"), [
    ("mobilize/event export.csv", "This is Mobilize's event export (id, name, event_type …): "
                                  "it names the events of the dashboard's shift export"),
    ("action_network/people.csv", "This looks like a contacts extract (an id column, "
                                  "'action_network:person_id' from the identifiers"),
    ("action_network/events.csv", "This looks like a jobs/shifts/events extract (an id column, "
                                  "'action_network:event_id' from the identifiers")])
def test_a_companion_imported_alone_says_what_it_goes_with(store, rel, says):
    [r] = import_files(store, [GOLDEN / rel])
    assert r.status == "failed" and r.message.startswith(says)


# ------------------------------------------------------------------ Action Network: API

AN = GOLDEN / "action_network"
AN_API = [AN / "attendances.csv", AN / "people.csv", AN / "events.csv"]
E1 = "5f0c2b9e-7d1a-4c3b-9e8f-1a2b3c4d5e01"
E2 = "5f0c2b9e-7d1a-4c3b-9e8f-1a2b3c4d5e02"


def person_key(n: int) -> str:
    return f"ext:action_network:a1b2c3d4-000{n}-4e5f-8a9b-00000000000{n}"


def test_action_network_api_attendances_joined_with_people_and_events(store):
    [r] = import_files(store, AN_API)
    assert r.file_name == "attendances.csv + people.csv + events.csv"
    assert (r.source, r.accepted, r.rejected) == ("action_network", 6, 1)
    assert r.rejected_rows[["line_no", "reason"]].values.tolist() == [
        [8, "Action Network RSVP status 'needs action' is an invitation without a reply, not a "
            "sign-up"]]
    assert r.notes[0].startswith("read as Action Network's API attendances (OSDI")
    assert participations(store) == [
        # start_date '2024-04-13T10:00:00Z' is the event's own clock time
        ("ana@example.org", "Ana", "Lopez", "Tenants' Rights Town Hall", "2024-04-13 10:00",
         None, None, "registered", "attendee"),                              # accepted
        ("marcus.bell@example.org", "Marcus", "Bell", "Tenants' Rights Town Hall",
         "2024-04-13 10:00", None, None, "registered", "attendee"),
        # the primary of two email addresses
        ("priya.raman@example.org", "Priya", "Raman", "Tenants' Rights Town Hall",
         "2024-04-13 10:00", None, None, "cancelled", "attendee"),           # declined
        # an SMS-only activist: no name, no email, never named by the id
        (None, None, None, "Tenants' Rights Town Hall", "2024-04-13 10:00", None, None,
         "registered", "attendee"),                                          # tentative
        ("ana@example.org", "Ana", "Lopez", "Phone Bank for Housing Justice",
         "2024-04-18 18:30", "2024-04-18 20:30", None, "registered", "attendee"),
        # a person the people file does not hold: known by the id only
        (None, None, None, "Phone Bank for Housing Justice", "2024-04-18 18:30",
         "2024-04-18 20:30", None, "registered", "attendee")]
    assert rows(store, "SELECT event_key FROM event ORDER BY 1") == [(f"id:{E1}",), (f"id:{E2}",)]
    assert identifiers(store) == [
        "email:ana@example.org", "email:marcus.bell@example.org", "email:priya.raman@example.org",
        *(person_key(n) for n in (1, 4, 5, 6, 7)), "phone:2025550101", "phone:3125550188"]
    assert rows(store, "SELECT phone FROM person WHERE full_name IS NULL ORDER BY 1") == [
        ("3125550188",), (None,)]


def test_action_network_api_attendances_need_their_events(store):
    [r] = import_files(store, AN_API[:2])
    assert r.status == "failed" and r.needs == "event_dates" and r.undated == [E1, E2]
    assert "event records of the same pull" in r.message and "--event-dates" in r.message
    assert rows(store, "SELECT COUNT(*) FROM import_log") == [(0,)]
    # the events' dates by their ids: imported, titled by the ids (nothing names them)
    [r] = import_files(store, AN_API[:2], ImportOptions(
        event_dates={E1: "2024-04-13 10:00", E2: "4/18/2024 6:30 PM"}))
    assert (r.status, r.accepted) == ("imported", 6)
    assert rows(store, "SELECT title, strftime(starts_at, '%Y-%m-%d %H:%M') FROM event "
                       "ORDER BY 2") == [(f"Event {E1}", "2024-04-13 10:00"),
                                         (f"Event {E2}", "2024-04-18 18:30")]


def test_action_network_api_attendances_of_one_event_on_the_date_given(store, write):
    path = write("attendances.csv",
                 "identifiers,created_date,status,action_network:person_id,"
                 "action_network:event_id\n"
                 "['action_network:1'],2024-05-01T10:00:00Z,accepted,p-1,e-1\n"
                 "['action_network:2'],2024-05-02T10:00:00Z,waitlisted,p-2,e-1\n")
    [r] = import_files(store, [path], ImportOptions(event_title="May Day Rally",
                                                    event_date="2024-05-04 12:00"))
    assert (r.source, r.accepted, r.rejected) == ("action_network", 1, 1)
    assert r.rejected_rows.reason.tolist() == ["unknown status 'waitlisted'"]
    assert participations(store) == [(None, None, None, "May Day Rally", "2024-05-04 12:00",
                                      None, None, "registered", "attendee")]
    assert identifiers(store) == ["ext:action_network:p-1"]


def test_the_same_activist_in_the_report_and_the_api_is_one_person(store):
    import_files(store, [AN / "export-2024-03-12-csv_report_332566_1710201600.csv"],
                 ImportOptions(event_title="Town Hall", event_date="3/14/2024 7:00 PM"))
    import_files(store, AN_API)
    assert rows(store, "SELECT count(*) FROM participation pa JOIN identifier i "
                       f"USING (person_id) WHERE i.key = '{person_key(1)}'") == [(3,)]


@pytest.mark.parametrize(("people", "email", "phone"), [
    # a Singer target that writes nested objects with '__' and lists as JSON
    ('identifiers,given_name,family_name,email_addresses,phone_numbers,_links__self__href\n'
     '"[""action_network:p-1""]",Ana,Lopez,"[{""primary"": true, ""address"": '
     '""ana@example.org""}]","[{""primary"": true, ""number"": ""12025550101""}]",x\n',
     "ana@example.org", "12025550101"),
    # lists spread over columns
    ("identifiers.list,given_name,family_name,email_addresses.0.address,"
     "phone_numbers.0.number\naction_network:p-1,Ana,Lopez,ana@example.org,2025550101\n",
     "ana@example.org", "2025550101"),
])
def test_action_network_people_records_in_other_flattenings(people, email, phone):
    table = reader.read_bytes(people.encode(), "people.csv")
    view = osdi.companion_view(table)
    assert view is not None and companions.kind(table) == "contacts"
    assert view.rows[view.columns].values.tolist() == [["p-1", "Ana", "Lopez", email, phone]]


# ------------------------------------------------------------------ Mobilize: dashboard export

MOBILIZE_DASHBOARD = [GOLDEN / "mobilize/shift export.csv", GOLDEN / "mobilize/event export.csv"]


def test_mobilize_shift_export_joined_with_the_event_export(store):
    [r] = import_files(store, MOBILIZE_DASHBOARD)
    assert r.file_name == "shift export.csv + event export.csv"
    assert (r.source, r.accepted, r.rejected) == ("mobilize", 5, 1)
    assert r.rejected_rows[["line_no", "reason"]].values.tolist() == [
        [7, "unknown status 'WAITLISTED'"]]
    assert r.notes[0].startswith("read as Mobilize's dashboard shift export")
    assert participations(store) == [
        ("ana@example.org", "Ana", "Lopez", "Saturday Canvass", "2024-03-09 09:00", None,
         "CANVASS", "registered", "attendee"),                               # CONFIRMED
        ("bob@example.org", "Bob", "Smith", "Saturday Canvass", "2024-03-09 09:00", None,
         "CANVASS", "registered", "attendee"),
        # the event's second timeslot is its own occurrence; a partner organization's signup
        ("cara@example.org", "Cara", "Diaz", "Saturday Canvass", "2024-03-10 19:30", None,
         "CANVASS", "registered", "attendee"),
        ("eli.park@example.org", "Eli", "Park", "Saturday Canvass", "2024-03-10 19:30", None,
         "CANVASS", "registered", "attendee"),
        ("ana@example.org", "Ana", "Lopez", "Volunteer Meeting", "2024-03-13 20:00", None,
         "MEETING", "cancelled", "attendee")]
    assert rows(store, "SELECT event_key FROM event ORDER BY 1") == [
        ("id:77/2024-03-09 09:00:00",), ("id:77/2024-03-10 19:30:00",),
        ("id:78/2024-03-13 20:00:00",)]


def test_mobilize_shift_export_alone_titles_events_by_their_ids(store):
    [r] = import_files(store, MOBILIZE_DASHBOARD[:1])
    assert (r.source, r.accepted) == ("mobilize", 5)
    assert any("name their event by its Event ID only" in n for n in r.notes)
    assert rows(store, "SELECT DISTINCT title FROM event ORDER BY 1") == [
        ("Mobilize event 77",), ("Mobilize event 78",)]


def test_mobilize_dashboard_download_with_readable_statuses(store, write):
    """The columns and status words a dashboard download may have (assumed, not seen in a
    real file: docs/export-formats.md): the status words as the dashboard shows them, an
    Attended Yes/No column deciding over the status."""
    path = write("Spring Canvass signups.csv",
                 "First name,Last name,Email,Phone,Zip,Event ID,Event name,Event type,"
                 "Timeslot start,Timeslot end,Status,Attended,Signup date,Referrer\n"
                 "Ana,Lopez,ana@example.org,(202) 555-0101,20001,512,Spring Canvass,Canvass,"
                 "2024-04-06 10:00:00,2024-04-06 13:00:00,Registered,Yes,2024-03-20 14:02:11,"
                 "facebook\n"
                 "Bob,Smith,bob@example.org,,20001,512,Spring Canvass,Canvass,2024-04-06 10:00:00,"
                 "2024-04-06 13:00:00,Confirmed,No,2024-03-21 09:15:00,\n"
                 "Cara,Diaz,cara@example.org,,20002,512,Spring Canvass,Canvass,2024-04-06 10:00:00,"
                 "2024-04-06 13:00:00,Completed,,2024-03-22 18:40:00,email\n"
                 "Dan,Wu,dan@example.org,,20003,512,Spring Canvass,Canvass,2024-04-06 10:00:00,"
                 "2024-04-06 13:00:00,No show,,2024-03-23 08:00:00,\n"
                 "Eve,Adams,eve@example.org,,20004,512,Spring Canvass,Canvass,2024-04-06 10:00:00,"
                 "2024-04-06 13:00:00,Cancelled,No,2024-03-24 12:00:00,\n"
                 "Fay,Ito,fay@example.org,,20005,513,Phone Bank,Phone Bank,2024-04-09 18:00:00,"
                 "2024-04-09 20:00:00,Registered,,2024-03-25 10:30:00,\n")
    [r] = import_files(store, [path])
    assert (r.source, r.accepted, r.rejected) == ("mobilize", 6, 0)
    assert r.notes[0].startswith("read as Mobilize's dashboard shift export")
    assert [(e, t, s, end, st) for e, _, _, t, s, end, _, st, _ in participations(store)] == [
        ("ana@example.org", "Spring Canvass", "2024-04-06 10:00", "2024-04-06 13:00", "attended"),
        ("bob@example.org", "Spring Canvass", "2024-04-06 10:00", "2024-04-06 13:00", "no_show"),
        ("cara@example.org", "Spring Canvass", "2024-04-06 10:00", "2024-04-06 13:00",
         "attended"),                                                        # Completed
        ("dan@example.org", "Spring Canvass", "2024-04-06 10:00", "2024-04-06 13:00", "no_show"),
        ("eve@example.org", "Spring Canvass", "2024-04-06 10:00", "2024-04-06 13:00",
         "cancelled"),                                       # a cancellation stays cancelled
        ("fay@example.org", "Phone Bank", "2024-04-09 18:00", "2024-04-09 20:00", "registered")]


def test_a_sign_up_sheet_with_event_ids_and_starts_is_not_mobilize():
    table = reader.read_bytes(b"First Name,Last Name,Email,Event ID,Event,Start,Attendance status\n"
                              b"Ana,Lopez,ana@example.org,12,Rally,2024-05-04 12:00,Attended\n",
                              "signups.csv")
    assert adapters.detect(table).name == "generic"


def test_mobilize_shift_export_of_2020_lower_case_without_a_status(store, write):
    # the column names before August 2022 (dakranz/SwingLeft mobam_to_actnet.py)
    path = write("shift export.csv",
                 "first name,last name,email,zip,phone,event id,event name,start,"
                 "event organization name,event type\n"
                 "Ana,Lopez,ana@example.org,20001,2025550101,301,Lit Drop,2020-10-03 10:00:00,"
                 "Swing Left Metro,CANVASS\n")
    [r] = import_files(store, [path])
    assert (r.source, r.accepted) == ("mobilize", 1)
    assert participations(store) == [("ana@example.org", "Ana", "Lopez", "Lit Drop",
                                      "2020-10-03 10:00", None, "CANVASS", "registered",
                                      "attendee")]


# ------------------------------------------------------------------ the CLI

def test_cli_imports_each_new_form(tmp_path, capsys):
    db_path = str(tmp_path / "cli.duckdb")
    assert cli.main(["import", "--db", db_path, *map(str, AN_API)]) == 0
    out = capsys.readouterr().out
    assert ("attendances.csv + people.csv + events.csv: import #1 (participation, source "
            "action_network): 7 rows read, 6 accepted, 1 rejected") in out
    assert cli.main(["import", "--db", db_path, *map(str, MOBILIZE_DASHBOARD)]) == 0
    assert ("shift export.csv + event export.csv: import #2 (participation, source mobilize): "
            "6 rows read, 5 accepted, 1 rejected") in capsys.readouterr().out
    # the attendances without their events: exit 2, naming what is needed; then the dates
    dates = tmp_path / "event-dates.csv"
    dates.write_text(f"event,date\n{E1},2024-04-13 10:00\n{E2},2024-04-18 18:30\n")
    other = str(tmp_path / "other.duckdb")
    assert cli.main(["import", "--db", other, str(AN_API[0])]) == 2
    err = capsys.readouterr().err
    assert "event records of the same pull" in err and "--event-dates" in err
    assert cli.main(["import", "--db", other, str(AN_API[0]), "--event-dates", str(dates)]) == 0
    assert "7 rows read, 6 accepted, 1 rejected" in capsys.readouterr().out
