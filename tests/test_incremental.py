"""Incremental maintenance equals the full rebuild (issue 15).

An import, an undo, a replacing import, a merge decision and an undone link by name update
only the people and events they touch (resolve.update). After every step of random
sequences of those, the derived tables must equal what the reference path,
resolve.rebuild, computes from the whole journal: same people (ids included), events (ids
included), participations, asks, identifiers, record keys and per-person facts."""
from __future__ import annotations

import io
import random

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engage_metrics import db, importer, resolve
from engage_metrics.importer import import_bytes
from engage_metrics.options import ImportOptions
from engage_metrics.transaction import transaction

DERIVED = ("identifier", "record_key", "person", "event", "participation", "ask", "person_fact",
           "person_program_fact", "tie_step", "depth_snapshot", "window_snapshot", "window_person_snapshot",
           "window_depth_snapshot")

# people: email (None, a placeholder, or a shared address), phone, name — several share a
# name (name-only rows link to them, or stay apart), two share an address
PEOPLE = [
    ("ana@x.org", "", "Ana Lopez"), ("", "555-201-0001", "Bo Chen"), ("cy@x.org", "", "Cy Diaz"),
    ("", "", "Ana Lopez"), ("", "", "Dee Fox"), ("test@test.com", "", "Eli Gray"),
    ("desk@x.org", "", "Fay Hill"), ("desk@x.org", "", "Gus Ives"), ("desk@x.org", "", "Hal Jo"),
    ("bo@x.org", "555-201-0001", "Bo Chen"), ("", "", "Guest"), ("ivy@x.org", "", "Ivy Kim"),
]
# a year and a half of dates: an import after the newest moves the default window, and the
# days ties look back on (365) enter and leave it at both of its ends
EVENTS = [("Canvass", "2024-03-02 10:00"), ("Potluck", "2024-03-09 18:00"),
          ("Training", "2024-04-13 09:00"), ("Canvass", "2024-05-04 10:00"),
          ("Phone Bank", "2024-06-01 17:00"), ("House Meeting", "2024-06-08 19:00"),
          ("Potluck", "2025-03-08 18:00"), ("Canvass", "2025-06-07 10:00")]
STATUSES = ["Attended", "No Show", "Registered", "Cancelled"]
ROLES = ["attendee", "volunteer", "host", ""]

rows = st.lists(st.tuples(st.integers(0, len(PEOPLE) - 1), st.integers(0, len(EVENTS) - 1),
                          st.sampled_from(STATUSES), st.sampled_from(ROLES),
                          st.sampled_from(["", "2", "3.5"]), st.booleans()),
                min_size=1, max_size=9)
step = st.one_of(
    st.tuples(st.just("import"), rows),
    st.tuples(st.just("people"), st.lists(st.tuples(st.integers(0, len(PEOPLE) - 1),
                                                    st.integers(0, len(PEOPLE) - 1)),
                                          min_size=1, max_size=4)),
    st.tuples(st.just("asks"), st.lists(st.tuples(st.integers(0, len(PEOPLE) - 1),
                                                  st.integers(2, 5)), min_size=1, max_size=3)),
    st.tuples(st.just("undo"), st.integers(0, 20)),
    st.tuples(st.just("again"), st.integers(0, 20)),
    st.tuples(st.just("merge"), st.tuples(st.integers(0, 30), st.integers(0, 30))),
    st.tuples(st.just("unlink"), st.integers(0, 5)),
)


def participation_csv(picked: list[tuple]) -> bytes:
    out = io.StringIO()
    out.write("Email,Phone,Name,Event,Start,Status,Role,Hours,Program\n")
    for person, event, status, role, hours, other_program in picked:
        email, phone, name = PEOPLE[person]
        title, start = EVENTS[event]
        program = "Field" if not other_program else "Tenants"
        out.write(f"{email},{phone},{name},{title},{start},{status},{role},{hours},{program}\n")
    return out.getvalue().encode()


def state(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    tables = {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall()))  # noqa: S608
              for t in DERIVED}
    tables["stamps"] = con.execute("SELECT key, value FROM meta WHERE key LIKE '%snapshot' "
                                   "ORDER BY key").fetchall()
    return tables


class _Rollback(Exception):
    pass


def rebuilt(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """The derived tables as the full rebuild makes them (then rolled back)."""
    found: dict[str, list[tuple]] = {}
    try:
        with transaction(con):
            resolve.rebuild(con)
            found.update(state(con))
            raise _Rollback
    except _Rollback:
        pass
    return found


def apply(con: duckdb.DuckDBPyConnection, action: tuple, n: int,
          files: dict[int, tuple[str, bytes, bool]]) -> None:
    """One step; *files*: the participation files imported (import id -> name, bytes,
    registrations counted as attendance)."""
    kind, arg = action
    imports = [r[0] for r in con.execute("SELECT import_id FROM import_log ORDER BY 1").fetchall()]
    if kind == "import":
        data = participation_csv(arg)
        result = import_bytes(con, data, f"p{n}.csv", ImportOptions(date_order="ymd"))
        if result.status == "imported":
            files[result.import_id] = (f"p{n}.csv", data, False)
    elif kind == "people":
        text = "Email,Phone,Name,Recruited by\n" + "".join(
            f"{PEOPLE[a][0]},{PEOPLE[a][1]},{PEOPLE[a][2]},{PEOPLE[b][0]}\n" for a, b in arg)
        import_bytes(con, text.encode(), f"people{n}.csv", ImportOptions(kind="people"))
    elif kind == "asks":
        text = "Email,Name,Asked on,Ask,Rung,Outcome\n" + "".join(
            f"{PEOPLE[a][0]},{PEOPLE[a][2]},2024-05-0{1 + i % 9},Lead a canvass,{r},yes\n"
            for i, (a, r) in enumerate(arg))
        import_bytes(con, text.encode(), f"asks{n}.csv", ImportOptions(kind="ask"))
    elif kind == "undo" and imports:
        importer.undo_import(con, imports[arg % len(imports)])
    elif kind == "again" and files:
        # the same file with another choice replaces the earlier import
        name, data, counted = files[sorted(files)[arg % len(files)]]
        result = import_bytes(con, data, name, ImportOptions(
            date_order="ymd", treat_registered_as_attended=not counted))
        if result.status == "imported":
            files[result.import_id] = (name, data, not counted)
    elif kind == "merge":
        people = [r[0] for r in con.execute("SELECT person_id FROM person ORDER BY 1").fetchall()]
        if len(people) >= 2:
            a, b = people[arg[0] % len(people)], people[arg[1] % len(people)]
            if a != b:
                resolve.decide(con, "merge", a, b)
    elif kind == "unlink":
        links = resolve.name_links(con)
        if len(links):
            resolve.unlink(con, links.link_key.iloc[arg % len(links)])


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=2, max_size=6))
def test_incremental_maintenance_equals_the_full_rebuild(store, monkeypatch, steps):
    from engage_metrics import metrics

    # the partial write of the snapshots, however many people a change touches (tiny
    # stores touch most of their people, which would take the whole refresh)
    monkeypatch.setattr(metrics, "PARTIAL_SHARE", 10.0)
    monkeypatch.setattr(resolve, "TIES_PARTIAL_SHARE", 10.0)   # and of tie_step
    for table in ("import_log", "raw_participation", "raw_person", "raw_ask", "rejected_row",
                  "identity_decision", *DERIVED):
        store.execute(f"DELETE FROM {table}")  # noqa: S608 - a fresh store per example
    with transaction(store):
        resolve.rebuild(store)     # the empty store's snapshots and stamps
    files: dict[int, tuple[str, bytes, bool]] = {}
    for n, action in enumerate(steps):
        apply(store, action, n, files)
        assert state(store) == rebuilt(store), (n, action)


def test_undoing_the_recruiters_only_rows_forgets_the_recruiter(store):
    # Ana's people row names Cy (cy@x.org) as her recruiter; Cy is known only from a
    # participation file: undoing it leaves Ana recruited by nobody, as a rebuild says
    import_bytes(store, b"Email,Name,Recruited by\nana@x.org,Ana Lopez,cy@x.org\n", "people.csv",
                 ImportOptions(kind="people"))
    visit = import_bytes(store, participation_csv([(2, 0, "Attended", "", "", False)]), "v.csv",
                         ImportOptions(date_order="ymd"))
    assert store.execute("SELECT recruited_by IS NOT NULL FROM person WHERE email = 'ana@x.org'"
                         ).fetchone() == (True,)
    importer.undo_import(store, visit.import_id)
    assert store.execute("SELECT recruited_by FROM person WHERE email = 'ana@x.org'"
                         ).fetchone() == (None,)
    assert state(store) == rebuilt(store)


def test_replacing_import_and_its_undo_equal_the_full_rebuild(store):
    data = participation_csv([(0, 0, "Registered", "", "", False), (3, 0, "Attended", "", "2", False),
                              (1, 1, "Registered", "host", "", True)])
    first = import_bytes(store, data, "week.csv", ImportOptions(date_order="ymd"))
    assert state(store) == rebuilt(store)
    # the same file, registrations counted as attendance: it replaces the first import
    second = import_bytes(store, data, "week.csv", ImportOptions(
        date_order="ymd", treat_registered_as_attended=True))
    assert second.replaces == first.import_id
    # Ana's two rows (the name-only one is linked to her email) are one participation
    assert store.execute("SELECT COUNT(*) FROM participation WHERE status = 'attended'"
                         ).fetchone() == (2,)
    assert state(store) == rebuilt(store)
    importer.undo_import(store, second.import_id)
    assert store.execute("SELECT COUNT(*) FROM person").fetchone() == (0,)
    assert state(store) == rebuilt(store)


def test_an_event_keeps_its_id_and_a_new_one_takes_the_next(store):
    first = participation_csv([(0, 3, "Attended", "", "", False), (2, 0, "Attended", "", "", False)])
    import_bytes(store, first, "a.csv", ImportOptions(date_order="ymd"))
    ids = dict(store.execute("SELECT title || starts_at, event_id FROM event").fetchall())
    # events 0 (March) and 3 (May): ids in date order, 1 and 2
    assert sorted(ids.values()) == [1, 2]
    later = participation_csv([(1, 1, "Attended", "", "", False), (2, 0, "Attended", "", "", False)])
    import_bytes(store, later, "b.csv", ImportOptions(date_order="ymd"))
    now = dict(store.execute("SELECT title || starts_at, event_id FROM event").fetchall())
    # the two events keep their ids; the Potluck (between them in date) is number 3
    assert {k: now[k] for k in ids} == ids
    assert now["Potluck2024-03-09 18:00:00"] == 3
    assert state(store) == rebuilt(store)


def test_a_store_of_schema_6_gets_its_record_keys(tmp_path):
    path = tmp_path / "v6.duckdb"
    con = db.connect(path)
    import_bytes(con, participation_csv([(0, 0, "Attended", "", "", False),
                                         (9, 1, "Attended", "", "", False)]), "a.csv",
                 ImportOptions(date_order="ymd"))
    before = state(con)
    con.execute("DROP TABLE record_key")
    con.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
    con.close()
    con = db.connect(path)
    assert state(con) == before
    con.close()


def test_random_demo_like_sequence(store):
    """A longer run of random imports and undos over a bigger population (snapshots written
    whole or in part, as the share of people touched says)."""
    rng = random.Random(8)
    for n in range(4):
        picked = [(rng.randrange(len(PEOPLE)), rng.randrange(len(EVENTS)), rng.choice(STATUSES),
                   rng.choice(ROLES), rng.choice(["", "1"]), rng.random() < 0.3)
                  for _ in range(rng.randint(3, 20))]
        import_bytes(store, participation_csv(picked), f"f{n}.csv", ImportOptions(date_order="ymd"))
        if n % 2 == 1:
            ids = [r[0] for r in store.execute("SELECT import_id FROM import_log").fetchall()]
            importer.undo_import(store, rng.choice(ids))
        assert state(store) == rebuilt(store), n


def test_a_change_inside_the_windows_rewrites_only_the_rows_it_touches(store, monkeypatch):
    """An import that does not move the newest event date, its undo and a merge keep the
    snapshots' windows: only the rows of the people they touch are written again (the whole
    refresh is not called), and the result equals the full rebuild's."""
    from engage_metrics import metrics

    everyone = [(p, e, "Attended", "volunteer", "2", e % 2 == 1) for p in range(12)
                for e in range(len(EVENTS)) if (p + e) % 3]
    import_bytes(store, participation_csv(everyone), "all.csv", ImportOptions(date_order="ymd"))

    def whole(con: duckdb.DuckDBPyConnection) -> None:
        raise AssertionError("the snapshots were computed again whole")

    monkeypatch.setattr(metrics, "PARTIAL_SHARE", 10.0)   # however many people it touches
    with monkeypatch.context() as m:
        m.setattr(metrics, "refresh_depth_snapshot", whole)
        m.setattr(metrics, "refresh_window_snapshot", whole)
        inside = import_bytes(store, participation_csv([(0, 1, "Attended", "host", "3", False),
                                                        (11, 2, "No Show", "", "", False)]),
                              "inside.csv", ImportOptions(date_order="ymd"))
        assert inside.status == "imported"
    assert state(store) == rebuilt(store)
    with monkeypatch.context() as m:
        m.setattr(metrics, "refresh_depth_snapshot", whole)
        m.setattr(metrics, "refresh_window_snapshot", whole)
        people = [r[0] for r in store.execute(
            "SELECT person_id FROM person WHERE email IN ('cy@x.org', 'ivy@x.org') ORDER BY 1"
        ).fetchall()]
        resolve.decide(store, "merge", *people)
    assert state(store) == rebuilt(store)
    with monkeypatch.context() as m:
        m.setattr(metrics, "refresh_depth_snapshot", whole)
        m.setattr(metrics, "refresh_window_snapshot", whole)
        importer.undo_import(store, inside.import_id)
    assert state(store) == rebuilt(store)


def test_a_regulars_new_attendance_rescores_only_who_shared_that_event(store, monkeypatch):
    """Depth is scored again for the people whose attended rows changed and those who
    attended the events that changed, not for everyone who ever met them: all twelve
    people share the two March events; Ana's new attendance of the April training (nobody
    else's) leaves the others' depth as it was, so the snapshots are written in part
    (under the default share of people touched) and equal the full rebuild's."""
    from engage_metrics import metrics

    everyone = [(p, e, "Attended", "", "", False) for p in range(12) for e in (0, 1, 5)]
    import_bytes(store, participation_csv(everyone), "all.csv", ImportOptions(date_order="ymd"))

    def whole(con: duckdb.DuckDBPyConnection) -> None:
        raise AssertionError("depth was scored again for everyone")

    with monkeypatch.context() as m:
        m.setattr(metrics, "refresh_depth_snapshot", whole)
        training = import_bytes(store, participation_csv([(0, 2, "Attended", "", "", False)]),
                                "training.csv", ImportOptions(date_order="ymd"))
        assert training.status == "imported"
    assert state(store) == rebuilt(store)


def test_a_window_move_groups_only_the_pairs_it_can_change(store, monkeypatch):
    """An import after the newest event moves the default window and the depth snapshot's
    dates; its undo moves them back. Neither computes a snapshot again whole: the ties of
    people who attended nothing in the days entering or leaving the ties' look-back are
    kept from their row at the old date — Ana and Cy share the two March 2024 events and
    nothing else, so each keeps 1 tie — and the window facts of people with nothing in the
    days entering or leaving the windows only take the new end. The result equals the full
    rebuild's."""
    from engage_metrics import metrics

    early = [(p, e, "Attended", "", "", False) for p in (0, 2) for e in (0, 1)]
    late = [(p, e, "Attended", "", "", False) for p in (1, 9, 11) for e in (3, 4)]
    import_bytes(store, participation_csv(early + late), "spring.csv",
                 ImportOptions(date_order="ymd"))
    before = store.execute("SELECT DISTINCT d FROM depth_snapshot ORDER BY d").fetchall()

    def whole(con: duckdb.DuckDBPyConnection) -> None:
        raise AssertionError("a snapshot was computed again whole")

    monkeypatch.setattr(metrics, "PARTIAL_SHARE", 10.0)   # however many people it touches
    calls: list[int] = []
    real = metrics._move_depth_snapshot

    def counted(*args: object) -> bool:
        calls.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(metrics, "_move_depth_snapshot", counted)
    with monkeypatch.context() as m:
        m.setattr(metrics, "refresh_depth_snapshot", whole)
        m.setattr(metrics, "refresh_window_snapshot", whole)
        june = import_bytes(store, participation_csv([(11, 5, "Attended", "", "", False)]),
                            "june.csv", ImportOptions(date_order="ymd"))
    assert june.status == "imported" and calls == [1]
    after = store.execute("SELECT DISTINCT d FROM depth_snapshot ORDER BY d").fetchall()
    assert after != before    # the window moved: its end from 2 to 9 June 2024
    assert store.execute(
        "SELECT d, ties_count FROM depth_snapshot s JOIN person p USING (person_id) "
        "WHERE p.email = 'ana@x.org' ORDER BY d").fetchall()[-1] == (after[-1][0], 1)
    assert state(store) == rebuilt(store)
    with monkeypatch.context() as m:
        m.setattr(metrics, "refresh_depth_snapshot", whole)
        m.setattr(metrics, "refresh_window_snapshot", whole)
        importer.undo_import(store, june.import_id)
    assert calls == [1, 1]
    assert store.execute("SELECT DISTINCT d FROM depth_snapshot ORDER BY d").fetchall() == before
    assert state(store) == rebuilt(store)


def test_readers_see_the_last_committed_numbers_while_an_import_runs(tmp_path, monkeypatch):
    """The dashboard's sessions read through cursors of the one connection while the Data
    page imports: until the import commits they see the numbers from before it, never an
    error; after it, the new ones."""
    import threading

    from engage_metrics import metrics

    con = db.connect(tmp_path / "engage.duckdb")
    import_bytes(con, participation_csv([(0, 0, "Attended", "", "", False)]), "a.csv",
                 ImportOptions(date_order="ymd"))
    window = metrics.Window.default(con)
    before = metrics.report(con.cursor(), window)
    inside, release = threading.Event(), threading.Event()
    real = resolve.update

    def slow(c: duckdb.DuckDBPyConnection, *args: object, **kwargs: object) -> None:
        real(c, *args, **kwargs)     # type: ignore[arg-type]
        inside.set()                 # the import's transaction is written, not committed
        assert release.wait(30)

    monkeypatch.setattr(resolve, "update", slow)
    worker = threading.Thread(target=lambda: import_bytes(
        con.cursor(), participation_csv([(2, 1, "Attended", "", "", False)]), "b.csv",
        ImportOptions(date_order="ymd")))
    worker.start()
    try:
        assert inside.wait(30)
        metrics.clear_caches()
        reader = con.cursor()
        assert metrics.report(reader, window) == before
        assert reader.execute("SELECT COUNT(*) FROM person").fetchone() == (1,)
    finally:
        release.set()
        worker.join(30)
    assert con.cursor().execute("SELECT COUNT(*) FROM person").fetchone() == (2,)
    con.close()


def test_tie_steps_follow_imports_merges_and_undos(store, monkeypatch):
    """tie_step (co-attendance for depth's ties) written for the touched people only equals
    the full rebuild's, and holds what was shared: two events attended together make one
    step per pair, in both directions."""
    monkeypatch.setattr(resolve, "TIES_PARTIAL_SHARE", 10.0)   # never the whole table

    def attend(who: list[str], name: str) -> int:
        rows = "".join(f"{w},{e},2024-0{m}-01,Attended\n" for w in who
                       for e, m in (("Rally", 3), ("Social", 5)))
        return import_bytes(store, f"Email,Event,Date,Status\n{rows}".encode(), name).import_id

    def steps() -> int:
        assert state(store) == rebuilt(store)
        return store.execute("SELECT COUNT(*) FROM tie_step").fetchall()[0][0]

    attend(["ana@x.org", "bo@x.org", "cy@x.org"], "first.csv")
    assert steps() == 3 * 2                      # 3 pairs, each a step of 2024-03 -> 2024-05
    dee = attend(["dee@x.org"], "dee.csv")
    assert steps() == 6 * 2
    import_bytes(store, b"Email,Event,Date,Status\neve@x.org,Rally,2024-03-01,Attended\n"
                        b"eve2@x.org,Social,2024-05-01,Attended\n", "eve.csv")
    assert steps() == 6 * 2                      # each of Eve's two addresses shares one event
    eve = [r[0] for r in store.execute("SELECT person_id FROM person WHERE email LIKE 'eve%' "
                                       "ORDER BY email").fetchall()]
    resolve.decide(store, "merge", *eve)
    assert steps() == 10 * 2                     # one Eve now shares both with the four
    importer.undo_import(store, dee)
    assert steps() == 6 * 2
