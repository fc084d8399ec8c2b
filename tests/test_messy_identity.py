"""Issue 13, identity: placeholder and shared emails and phones, name-only rows linked by
name within one import, names from every shape a tool writes ("Last, First", record ids in
the name column) and rows a tool marks deleted — on golden files that look like real exports
(tests/golden/messy/identity/), each with its people, participations and notes written out.
docs/importing/identity.md says the rules in words."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from engage_metrics import importer, resolve
from engage_metrics.options import ImportOptions

GOLDEN = Path(__file__).with_name("golden") / "messy" / "identity"
PARK = GOLDEN / "park cleanup sign-ins.csv"
CANVASS = GOLDEN / "Canvass sign-in sheet.csv"          # Windows-1252
HOURS = GOLDEN / "Volunteer_Hours__c extract.csv"       # Salesforce Data Loader


def people(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "SELECT full_name, email, phone, weak_identity FROM person "
        "ORDER BY full_name, email NULLS LAST, person_id").fetchall()


def parts(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(person's name, their email, event date as text, status, hours)."""
    return con.execute(
        "SELECT p.full_name, p.email, strftime(e.event_date, '%Y-%m-%d'), x.status, x.hours "
        "FROM participation x JOIN person p USING (person_id) JOIN event e USING (event_id) "
        "ORDER BY 1, 2 NULLS LAST, 3, x.person_id").fetchall()


def load(con: duckdb.DuckDBPyConnection, *paths: Path, **options) -> importer.ImportResult:
    [result] = importer.import_files(con, list(paths), ImportOptions(**options))
    assert result.status == "imported", result.message
    return result


PLACEHOLDER_EMAILS = ("4 rows with a placeholder email (no@email.com, "
                      "noemail@riversidefriends.org, test@test.com): it is not used to tell who "
                      "they are, so it never merges two people")
PLACEHOLDER_PHONES = ("2 rows with a placeholder phone (0000000000, 5555555555): it is not used "
                      "to tell who they are, so it never merges two people")
SHARED_EMAIL = ("3 rows with an email that 3 or more different first names use in this file "
                "(carol.m@riversidefriends.org): taken as a shared email (a coordinator's, typed "
                "for walk-ins), not a person's — each name is its own person, never merged by it")
OWN_ROWS = ("3 rows with no real name and no usable email, phone or id (Guest, Info Requested "
            "Info Requested) kept as separate people, one per row, never merged")


def test_placeholders_and_a_shared_email_never_merge_anyone(store):
    result = load(store, PARK)
    assert (result.rows_read, result.accepted, result.rejected) == (12, 12, 0)
    assert result.notes == [PLACEHOLDER_EMAILS, PLACEHOLDER_PHONES, SHARED_EMAIL, OWN_ROWS]
    assert people(store) == [
        ("Ana Lopez", "ana.lopez@gmail.com", "2025550101", False),
        ("Dee Nguyen", None, None, True),           # the coordinator's email: not theirs
        ("Guest", None, None, True),                # test@test.com: one person per row
        ("Guest", None, None, True),
        ("Info Requested Info Requested", None, None, True),   # 555-555-5555 is no phone
        ("Marcus Webb", None, None, True),          # noemail@, 000-000-0000, no@email.com
        ("Priya Shah", None, None, True),
        # Sam and Samantha: two first names on one email and phone, under the threshold
        ("Samantha Reed", "sam.reed@yahoo.com", "2025550144", False),
        ("Tom Okafor", None, None, True),
    ]
    assert parts(store) == [
        ("Ana Lopez", "ana.lopez@gmail.com", "2024-03-02", "attended", None),
        ("Ana Lopez", "ana.lopez@gmail.com", "2024-03-09", "attended", None),
        ("Dee Nguyen", None, "2024-03-02", "attended", None),
        ("Guest", None, "2024-03-02", "attended", None),
        ("Guest", None, "2024-03-02", "attended", None),
        ("Info Requested Info Requested", None, "2024-03-02", "registered", None),
        ("Marcus Webb", None, "2024-03-02", "attended", None),
        ("Marcus Webb", None, "2024-03-09", "attended", None),   # one name, one weak person
        ("Priya Shah", None, "2024-03-02", "attended", None),
        ("Samantha Reed", "sam.reed@yahoo.com", "2024-03-09", "attended", None),
        ("Tom Okafor", None, "2024-03-02", "attended", None),
    ]
    # "Guest" is nobody's name: the two are no pair to review
    assert resolve.identity_candidates(store).empty
    # the notes are kept with the import
    logged = store.execute("SELECT notes FROM import_log").fetchone()[0]
    assert json.loads(logged) == result.notes


def test_placeholders_never_merge_with_earlier_imports(store, write):
    load(store, PARK)
    later = write("april.csv", "Email,Name,Event,Date\n"
                  "test@test.com,Jordan Blake,Potluck,2024-04-06\n"
                  "test@test.com,,Potluck,2024-04-06\n"
                  "carol.m@riversidefriends.org,Carol Mendes,Potluck,2024-04-06\n")
    result = load(store, later)
    assert result.notes == [
        "no status column: every row counted as attended (a sign-in list)",
        "2 rows with a placeholder email (test@test.com): it is not used to tell who they "
        "are, so it never merges two people",
        "1 row with no real name and no usable email, phone or id (blank) kept as separate "
        "people, one per row, never merged"]
    # in this file carol.m@ is one person's own address: Carol, never Priya, Tom or Dee
    assert store.execute("SELECT full_name, email, weak_identity FROM person "
                         "WHERE full_name IN ('Carol Mendes', 'Jordan Blake', 'Priya Shah') "
                         "ORDER BY 1").fetchall() == [
        ("Carol Mendes", "carol.m@riversidefriends.org", False),
        ("Jordan Blake", None, True),
        ("Priya Shah", None, True)]
    assert store.execute("SELECT COUNT(*) FROM person WHERE full_name = 'Guest'").fetchone()[0] == 2
    assert store.execute("SELECT COUNT(*) FROM person WHERE full_name IS NULL").fetchone()[0] == 1


LINKED = ("2 name-only rows were linked to the person of the same name with an email in this "
          "file (2 people); undo a link on the Data page under Linked by name")


def test_last_first_names_and_name_only_rows_linked_within_the_file(store):
    result = load(store, CANVASS)
    assert (result.rows_read, result.accepted, result.rejected) == (9, 9, 0)
    assert result.notes == [
        "decoded as Windows-1252",
        "no status column: 'Attended' says who came; a row where it is blank is a "
        "registration (signed up, attendance not marked)",
        "names in 'Name' read as \"Last, First\" (9 of 9 names; 'Brennan, Siobhán' is "
        "Siobhán Brennan)",
        "dates read month-first: 3/16/2024 has a second field above 12",
        LINKED,
        "3 suspected duplicate(s): same name, different email/phone/id — review them on the "
        "Data page"]
    assert people(store) == [
        ("Daniel Kim", "dan.kim@gmail.com", None, False),
        ("Daniel Kim", "daniel.kim@lakeviewlaw.com", None, False),
        ("Daniel Kim", None, None, True),      # two emails for that name: no link
        ("José Muñoz", "jose.munoz@yahoo.com", None, False),
        ("Luz Reyes", None, None, True),       # nobody of that name has an email
        ("Siobhán Brennan", "siobhan.b@outlook.com", "3125550188", False),
    ]
    assert store.execute("SELECT first_name, last_name FROM person WHERE full_name = "
                         "'José Muñoz'").fetchall() == [("José", "Muñoz")]
    assert parts(store) == [
        ("Daniel Kim", "dan.kim@gmail.com", "2024-03-16", "attended", None),
        ("Daniel Kim", "daniel.kim@lakeviewlaw.com", "2024-03-23", "attended", None),
        ("Daniel Kim", None, "2024-03-30", "attended", None),
        ("José Muñoz", "jose.munoz@yahoo.com", "2024-03-16", "attended", None),
        ("José Muñoz", "jose.munoz@yahoo.com", "2024-03-23", "attended", None),
        ("Luz Reyes", None, "2024-03-16", "attended", None),
        ("Luz Reyes", None, "2024-03-30", "attended", None),
        ("Siobhán Brennan", "siobhan.b@outlook.com", "2024-03-16", "attended", None),
        ("Siobhán Brennan", "siobhan.b@outlook.com", "2024-03-23", "no_show", None),
    ]
    links = resolve.name_links(store)
    assert links[["full_name", "email"]].values.tolist() == [
        ["José Muñoz", "jose.munoz@yahoo.com"], ["Siobhán Brennan", "siobhan.b@outlook.com"]]


def test_a_link_is_undone_and_never_made_across_imports(store, write):
    load(store, CANVASS)
    # a later sheet with José's name only: not joined to him by name across imports
    later = write("april.csv", "Name,Event,Date\nJosé Muñoz,Phone Bank,2024-04-06\n")
    load(store, later)
    assert store.execute("SELECT email, weak_identity, COUNT(*) FROM person "
                         "JOIN participation USING (person_id) WHERE full_name = 'José Muñoz' "
                         "GROUP BY ALL ORDER BY 1 NULLS LAST").fetchall() == [
        ("jose.munoz@yahoo.com", False, 2), (None, True, 1)]
    # undo the link: the name-only row of the canvass is no longer José-with-an-email's
    link = resolve.name_links(store)
    [key] = link.loc[link["email"] == "jose.munoz@yahoo.com", "link_key"]
    resolve.unlink(store, key)
    assert resolve.name_links(store)["email"].tolist() == ["siobhan.b@outlook.com"]
    assert store.execute("SELECT email, weak_identity, COUNT(*) FROM person "
                         "JOIN participation USING (person_id) WHERE full_name = 'José Muñoz' "
                         "GROUP BY ALL ORDER BY 1 NULLS LAST").fetchall() == [
        ("jose.munoz@yahoo.com", False, 1), (None, True, 2)]
    assert store.execute("SELECT decision, key_a, key_b FROM identity_decision").fetchall() == [
        ("apart", key, "email:jose.munoz@yahoo.com")]
    # the decision outlives an undo and a re-import of the file
    canvass_id = store.execute("SELECT MIN(import_id) FROM import_log").fetchone()[0]
    importer.undo_import(store, canvass_id)
    load(store, CANVASS)
    assert resolve.name_links(store)["email"].tolist() == ["siobhan.b@outlook.com"]
    with pytest.raises(ValueError):
        resolve.unlink(store, "name:generic:nobody|x@y.org")


def test_record_ids_are_no_names_and_deleted_rows_are_skipped(store):
    result = load(store, HOURS)
    assert result.source == "salesforce_v4s"
    assert (result.rows_read, result.accepted, result.rejected, result.skipped,
            result.deleted) == (6, 4, 0, 2, 2)
    assert result.notes == [
        "2 rows were marked deleted in the file (column 'IsDeleted') and skipped, not imported",
        "4 values in the name column 'Name' are record ids or autonumbers (such as "
        "'VH-000101'), not names: the people are named from "
        "'GW_Volunteers__Contact__r.FirstName' and 'GW_Volunteers__Contact__r.LastName'"]
    assert "2 marked deleted" in result.summary()
    assert people(store) == [
        ("Grace Achebe", "grace.achebe@gmail.com", None, False),
        ("Hannah Olsen", None, None, False),
        ("Luis Ferreira", "lferreira@hotmail.com", None, False),
    ]
    assert parts(store) == [
        ("Grace Achebe", "grace.achebe@gmail.com", "2024-04-06", "attended", 3.0),
        ("Grace Achebe", "grace.achebe@gmail.com", "2024-04-13", "attended", 4.0),
        ("Hannah Olsen", None, "2024-04-13", "no_show", None),
        ("Luis Ferreira", "lferreira@hotmail.com", "2024-04-06", "attended", 2.5),
    ]
    assert store.execute("SELECT rows_skipped FROM import_log").fetchone()[0] == 2


def test_the_deleted_flag_can_be_unmapped(store):
    result = load(store, HOURS, mapping={"deleted": ""})
    assert (result.accepted, result.skipped, result.deleted) == (6, 0, 0)
    assert "Test Record" in [p[0] for p in people(store)]


def test_deleted_rows_through_the_fast_csv_reader(store, write, monkeypatch):
    monkeypatch.setenv("ENGAGE_FAST_CSV_MB", "0")
    path = write("export.csv", "Email,Name,Event,Date,Deleted\n"
                 "ana@example.org,\"Lopez, Ana\",Rally,2024-03-02,FALSE\n"
                 "bob@example.org,\"Smith, Bob\",Rally,2024-03-02,TRUE\n"
                 "cy@example.org,\"Ng, Cy\",Rally,2024-03-02,\n")
    result = load(store, path)
    assert result.read_by == "duckdb"
    assert (result.rows_read, result.accepted, result.skipped) == (3, 2, 1)
    assert result.notes == [
        "no status column: every row counted as attended (a sign-in list)",
        "1 row was marked deleted in the file (column 'Deleted') and skipped, not imported",
        "names in 'Name' read as \"Last, First\" (2 of 2 names; 'Lopez, Ana' is Ana Lopez)"]
    assert [p[0] for p in people(store)] == ["Ana Lopez", "Cy Ng"]


def test_a_file_of_deleted_rows_only_imports_nothing(store, write):
    path = write("gone.csv", "Email,Event,Date,IsDeleted\nana@example.org,Rally,2024-03-02,1\n")
    [result] = importer.import_files(store, [path])
    assert result.status == "failed"
    assert "marked deleted" in result.message
    assert store.execute("SELECT COUNT(*) FROM import_log").fetchone()[0] == 0


def test_reimport_is_a_no_op_and_undo_is_exact(store):
    before = people(store)
    first = load(store, PARK)
    again = importer.import_files(store, [PARK])[0]
    assert again.status == "duplicate"
    importer.undo_import(store, first.import_id)
    assert people(store) == before
    assert store.execute("SELECT COUNT(*) FROM identifier").fetchone()[0] == 0


@pytest.mark.parametrize(("kind", "value", "placeholder"), [
    ("email", "test@test.com", True), ("email", "noemail@gmail.com", True),
    ("email", "no@email.com", True), ("email", "none@riverside.org", True),
    ("email", "ana.lopez@gmail.com", False), ("email", "testa@test.org", False),
    ("phone", "0000000000", True), ("phone", "5555555555", True),
    ("phone", "1111111111", True), ("phone", "1234567890", True),
    ("phone", "2025550101", False),
    ("name", "Info Requested", True), ("name", "Guest", True), ("name", "Guest 2", True),
    ("name", "N/A", True), ("name", "none", True), ("name", "Unknown Unknown", True),
    ("name", "Anonymous", True), ("name", "Na Li", False), ("name", "Ana Lopez", False),
    # the device or line a meeting tool shows for someone who typed no name
    ("name", "iPhone", True), ("name", "iPhone (2)", True), ("name", "Sarah's iPhone", True),
    ("name", "Galaxy S21", True), ("name", "Zoom user", True), ("name", "Call-in User 3", True),
    ("name", "Pixel 7 Pro", True), ("name", "Pixel Okafor", False), ("name", "Philip Honeyman", False),
    ("name", "Androula Pappas", False),
])
def test_the_placeholder_list(store, kind: str, value: str, placeholder: bool):
    resolve.install_macros(store)
    assert store.execute(f"SELECT placeholder_{kind}($v)", {"v": value}).fetchone()[0] \
        is placeholder


@pytest.mark.parametrize(("value", "is_id"), [
    ("VH-000123", True), ("000123", True), ("0035e00000AbCdEAAV", True), ("ID 42", True),
    ("Ana", False), ("Mary-Jo O'Neil", False), ("Jo3", False),
])
def test_record_ids_are_not_names(store, value: str, is_id: bool):
    resolve.install_macros(store)
    assert store.execute("SELECT id_like_name($v)", {"v": value}).fetchone()[0] is is_id


def test_the_data_page_lists_links_and_undoes_one(app, tmp_path: Path):
    from engage_metrics import db

    path = tmp_path / "store.duckdb"
    con = db.connect(path)
    load(con, CANVASS)
    con.close()
    at = app(path, "data")
    captions = " ".join(c.value for c in at.caption)
    assert "Linked by name — 2 name-only sign-ins" in captions
    at.button(key="unlink_0").click().run()
    con = db.connect(path)
    try:
        assert resolve.name_links(con)["email"].tolist() == ["siobhan.b@outlook.com"]
    finally:
        con.close()
