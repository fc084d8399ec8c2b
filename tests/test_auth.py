"""Sign-in and roles: password hashes, the configuration, and the gate in the app.

Why: a shared deployment holds volunteers' names, emails and phone numbers. Without
sign-in nothing of the data may render, a viewer (a director, the board) must not
reach analyst pages or names, and local single-user use must stay configuration-free.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from helpers_ui import DemoStore, metric_values, problems

from engage_metrics import auth

FAST = auth.MIN_ITERATIONS          # the weakest accepted hash keeps the tests quick
ANALYST_PW, VIEWER_PW = "correct horse battery", "board-member-2026"
PASSWORD_SECRETS = {"engage": {
    "auth": {"mode": "password"},
    "users": {
        "ana": {"password_hash": auth.hash_password(ANALYST_PW, iterations=FAST),
                "role": "analyst"},
        "dana": {"password_hash": auth.hash_password(VIEWER_PW, iterations=FAST),
                 "role": "viewer"},
    }}}
OIDC_SECRETS = {"engage": {"auth": {"mode": "oidc"},
                           "roles": {"analysts": ["Ana@Example.org"]}}}
ANALYST_PAGES = {"People", "Data", "Settings"}


# --- hashing ------------------------------------------------------------------------

def test_hash_verifies_and_wrong_password_fails() -> None:
    encoded = auth.hash_password("s3cret!", iterations=FAST)
    algorithm, iterations, _salt, _digest = encoded.split("$")
    assert (algorithm, int(iterations)) == ("pbkdf2_sha256", FAST)
    assert auth.verify_password("s3cret!", encoded)
    assert not auth.verify_password("s3cret", encoded)
    assert not auth.verify_password("", encoded)


def test_the_unknown_name_hash_is_the_dummy_passwords() -> None:
    """The hash an unknown user name is checked against (written out in auth.py) is the
    dummy password's, at the weakest accepted strength: as slow to check as a real one."""
    assert auth._DUMMY_HASH == auth.hash_password(
        "engage-dummy-password", salt=b"\x00" * 16, iterations=auth.MIN_ITERATIONS)
    assert auth.verify_password("engage-dummy-password", auth._DUMMY_HASH)


def test_default_hash_is_strong_and_salts_differ() -> None:
    a, b = auth.hash_password("same"), auth.hash_password("same")
    assert int(a.split("$")[1]) >= 200_000
    assert a.split("$")[2] != b.split("$")[2] and a != b
    assert auth.verify_password("same", a) and auth.verify_password("same", b)


@pytest.mark.parametrize("tamper", [
    lambda h: h[:-4] + ("AAAA" if not h.endswith("AAAA") else "BBBB"),   # another digest
    lambda h: h.replace("$", "$1", 1),                                     # other iterations
    lambda h: "pbkdf2_sha1" + h[len("pbkdf2_sha256"):],                   # other algorithm
    lambda h: "pbkdf2_sha256$1000$" + h.split("$", 2)[2],                 # too weak: refused
    lambda h: h.rsplit("$", 1)[0],                                         # truncated
    lambda h: "not a hash",
    lambda h: "",
])
def test_tampered_or_malformed_hash_fails(tamper) -> None:
    encoded = auth.hash_password("pw", iterations=FAST)
    assert not auth.verify_password("pw", tamper(encoded))


def test_cli_prints_a_verifiable_hash(monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("from stdin\n"))
    assert auth.main(["hash"]) == 0
    assert auth.verify_password("from stdin", capsys.readouterr().out.strip())
    assert auth.main([]) == 2


# --- configuration and roles --------------------------------------------------------

def test_no_configuration_is_local_mode() -> None:
    for secrets in (None, {}, {"engage": {}}, {"other": {"x": 1}}):
        cfg = auth.parse_config(secrets)
        assert cfg.mode == "local" and not cfg.signs_in


def test_password_configuration_and_authentication() -> None:
    cfg = auth.parse_config(PASSWORD_SECRETS)
    assert cfg.mode == "password"
    assert auth.authenticate(cfg, "ana", ANALYST_PW) == "analyst"
    assert auth.authenticate(cfg, " Dana ", VIEWER_PW) == "viewer"     # names ignore case/space
    assert auth.authenticate(cfg, "dana", ANALYST_PW) is None
    assert auth.authenticate(cfg, "nobody", ANALYST_PW) is None
    assert auth.user_role(cfg, "dana") == "viewer" and auth.user_role(cfg, "gone") is None


@pytest.mark.parametrize("engage", [
    {"auth": {"mode": "magic"}},
    {"auth": {"mode": "password"}},                                      # no users
    {"auth": {"mode": "password"}, "users": {"x": {"password_hash": "plain", "role": "viewer"}}},
    {"auth": {"mode": "password"}, "users": {"x": {
        "password_hash": auth.hash_password("p", iterations=FAST), "role": "admin"}}},
    {"auth": {"mode": "oidc"}, "roles": {"analysts": "a@x.org"}},       # a string, not a list
])
def test_unusable_configuration_is_refused(engage) -> None:
    with pytest.raises(auth.AuthConfigError):
        auth.parse_config({"engage": engage})


def test_oidc_roles_by_email() -> None:
    cfg = auth.parse_config(OIDC_SECRETS)
    assert auth.oidc_role(cfg, "ana@example.ORG") == "analyst"
    assert auth.oidc_role(cfg, "board@example.org") == "viewer"
    assert auth.oidc_role(cfg, None) == "viewer"
    # no Unicode folding lets another account's address pass for an analyst's
    cfg = auth.parse_config({"engage": {"auth": {"mode": "oidc"}, "roles": {
        "analysts": ["strasse@example.org", "kim@example.org"]}}})
    assert auth.oidc_role(cfg, "KIM@example.org") == "analyst"
    assert auth.oidc_role(cfg, "\u212aim@example.org") == "viewer"       # the Kelvin sign
    assert auth.oidc_role(cfg, "straße@example.org") == "viewer"


def test_throttle_blocks_after_repeated_failures() -> None:
    now = [0.0]
    throttle = auth.Throttle(limit=3, window=60, clock=lambda: now[0])
    for _ in range(3):
        assert not throttle.blocked("Ana")
        assert throttle.reserve("ana")          # counted before the password is checked
    assert throttle.blocked("ANA") and not throttle.blocked("dana")
    assert not throttle.reserve(" ａｎａ ")      # the same name, however it is typed
    now[0] = 61
    assert not throttle.blocked("ana") and throttle.reserve("ana")
    throttle.succeeded("Ana")                   # a right password forgets the failures
    assert throttle.reserve("ana") and throttle.reserve("ana") and throttle.reserve("ana")
    assert not throttle.reserve("ana")


def test_throttle_forgets_expired_names() -> None:
    now = [0.0]
    throttle = auth.Throttle(limit=2, window=60, clock=lambda: now[0])
    throttle.MAX_NAMES = 100
    for i in range(100):
        throttle.reserve(f"random-{i}")
    now[0] = 61
    throttle.reserve("one more")
    assert len(throttle._failures) == 1


def test_simultaneous_sign_ins_are_counted_before_the_check() -> None:
    """The same at the engine: 24 threads try wrong passwords for one user at once; five are
    checked, the rest refused without hashing; the right password is refused too."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    cfg = auth.parse_config(PASSWORD_SECRETS)
    throttle = auth.Throttle()
    start = threading.Barrier(24)

    def attempt(_: int) -> str:
        start.wait()
        try:
            return "checked" if auth.sign_in(cfg, "dana", "guess", throttle) is None else "in"
        except auth.TooManyAttempts:
            return "refused"

    with ThreadPoolExecutor(24) as pool:
        outcomes = list(pool.map(attempt, range(24)))
    assert outcomes.count("checked") == 5 and outcomes.count("refused") == 19
    with pytest.raises(auth.TooManyAttempts):
        auth.sign_in(cfg, "Dana", VIEWER_PW, throttle)
    assert auth.sign_in(cfg, "ana", ANALYST_PW, throttle) == "analyst"   # other names unaffected


def test_secrets_are_read_from_the_files_as_they_are_now(tmp_path: Path) -> None:
    """Every read sees the file's current content; a later file's
    top-level keys override an earlier one's; a broken file fails closed without naming
    where it is; a missing file or a secrets directory is no error."""
    from helpers_ws import write_secrets

    home, project = tmp_path / "home" / "secrets.toml", tmp_path / "srv" / ".streamlit" / "secrets.toml"
    files = [home, project, tmp_path / "k8s-secrets"]
    assert auth.read_secrets(files) == {}
    write_secrets(home, {"engage": {"auth": {"mode": "oidc"}}, "other": {"x": "1"}})
    write_secrets(project, PASSWORD_SECRETS)
    assert auth.parse_config(auth.read_secrets(files)).users.keys() == {"ana", "dana"}
    assert auth.read_secrets(files)["other"] == {"x": "1"}
    shrunk = {"engage": {**PASSWORD_SECRETS["engage"],
                         "users": {"ana": PASSWORD_SECRETS["engage"]["users"]["ana"]}}}
    write_secrets(project, shrunk)
    assert auth.parse_config(auth.read_secrets(files)).users.keys() == {"ana"}
    project.write_text('[engage.auth]\nmode = "password\n')
    with pytest.raises(auth.AuthConfigError, match=r"\.streamlit/secrets\.toml is not valid") as err:
        auth.read_secrets(files)
    assert str(tmp_path) not in str(err.value)
    project.write_bytes(b"\xff\xfe not text")
    with pytest.raises(auth.AuthConfigError, match="cannot be read"):
        auth.read_secrets(files)


def test_user_names_that_collide_are_refused() -> None:
    users = PASSWORD_SECRETS["engage"]["users"]
    with pytest.raises(auth.AuthConfigError, match="distinct"):
        auth.parse_config({"engage": {"auth": {"mode": "password"},
                                      "users": {"ana": users["ana"], "ANA": users["dana"]}}})


# --- the gate in the app --------------------------------------------------------------

def page_titles(at) -> set[str]:
    return {t.value for t in at.title}


def assert_nothing_of_the_data(at) -> None:
    assert [e.value for e in at.exception] == []
    assert page_titles(at) == {"Sign in to Engage"}
    assert list(at.metric) == [] and list(at.dataframe) == []
    assert at.get("plotly_chart") == []
    shown = " ".join(str(e.value) for kind in ("markdown", "caption", "info", "error", "warning")
                     for e in at.get(kind))
    assert "@" not in shown


def sign_in(at, user: str, password: str):
    at.text_input(key="sign_in_user").input(user)
    at.text_input(key="sign_in_password").input(password)
    return at.button[0].click().run()


def test_without_sign_in_nothing_renders(app, demo_store: DemoStore) -> None:
    at = app(demo_store.path, secrets=PASSWORD_SECRETS)
    # no page but the sign-in page is registered, so no URL reaches another one
    with pytest.raises(ValueError, match=r"Known pages: \['Sign in'\]"):
        at.switch_page("pages/people.py")


def test_wrong_password_shows_an_error_and_nothing_else(app, demo_store: DemoStore) -> None:
    at = app(demo_store.path, secrets=PASSWORD_SECRETS)
    sign_in(at, "ana", "wrong")
    assert any("wrong" in e.value for e in at.error)
    assert_nothing_of_the_data(at)
    sign_in(at, "nobody", ANALYST_PW)
    assert_nothing_of_the_data(at)


def test_viewer_sees_numbers_but_no_analyst_pages_or_names(app, demo_store: DemoStore) -> None:
    at = app(demo_store.path, secrets=PASSWORD_SECRETS)
    sign_in(at, "dana", VIEWER_PW)
    assert problems(at) == []
    assert "Active people" in metric_values(at)
    assert any("Signed in as dana (viewer)" in c.value for c in at.sidebar.caption)
    hide = next(t for t in at.toggle if t.label == "Hide names")
    assert hide.value is True and hide.disabled
    # analyst pages are not registered for a viewer, so their URLs resolve to nothing
    for page in ("people", "data", "settings"):
        with pytest.raises(ValueError, match="Could not find a navigation page") as found:
            at.switch_page(f"pages/{page}.py")
        known = str(found.value).split("Known pages:", 1)[1]
        assert "overview.py" in known and f"{page}.py" not in known
    # names stay hidden even if the browser sends the analyst's toggle
    at.session_state["f_hide_names"] = False
    at.switch_page("pages/relationships.py").run()
    for df in (d.value for d in at.dataframe):
        for col in ("name", "email", "phone"):
            if col in df.columns:
                assert not df[col].astype(str).str.contains("@").any()


def test_analyst_page_refuses_a_viewer_reaching_it_anyway(app, demo_store: DemoStore,
                                                         monkeypatch, secrets_file) -> None:
    """The second lock: a page run without the entry point's navigation checks the role."""
    from helpers_ui import ROOT
    from helpers_ws import write_secrets
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ENGAGE_DB", str(demo_store.path))
    write_secrets(secrets_file, PASSWORD_SECRETS)
    for page in ("data", "settings", "people"):
        at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60)
        at.secrets.update(PASSWORD_SECRETS)
        at.session_state["_engage_signed_in_user"] = "dana"
        at.run()
        assert [e.value for e in at.exception] == []
        assert [e.value for e in at.error] == [
            "This page is for analysts. Ask your Engage administrator if you need it."]
        assert list(at.dataframe) == [] and at.get("file_uploader") == []


def test_analyst_reaches_everything_and_signs_out(app, demo_store: DemoStore) -> None:
    at = app(demo_store.path, secrets=PASSWORD_SECRETS)
    sign_in(at, "ana", ANALYST_PW)
    assert "Active people" in metric_values(at)
    for page, title in (("people", "People"), ("data", "Data"), ("settings", "Settings")):
        at.switch_page(f"pages/{page}.py").run()
        assert problems(at) == []
        assert title in page_titles(at)
    at.sidebar.button(key="sign_out").click().run()
    assert_nothing_of_the_data(at)


def test_local_mode_needs_no_sign_in(app, demo_store: DemoStore) -> None:
    at = app(demo_store.path, "data")
    assert problems(at) == []
    assert "Data" in page_titles(at)
    assert not any(b.key == "sign_out" for b in at.button)


def test_oidc_signed_in_users_get_their_role(app, demo_store: DemoStore) -> None:
    at = app(demo_store.path, secrets=OIDC_SECRETS, user={"is_logged_in": False})
    assert_nothing_of_the_data(at)
    assert at.button(key="oidc_sign_in").label == "Sign in"
    at = app(demo_store.path, "data", secrets=OIDC_SECRETS,
             user={"is_logged_in": True, "email": "ana@example.org"})
    assert problems(at) == [] and "Data" in page_titles(at)
    at = app(demo_store.path, secrets=OIDC_SECRETS,
             user={"is_logged_in": True, "email": "board@example.org"})
    assert "Active people" in metric_values(at)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/data.py")


def test_broken_configuration_fails_closed(app, demo_store: DemoStore) -> None:
    at = app(demo_store.path, secrets={"engage": {"auth": {"mode": "password"}}})
    assert [e.value for e in at.exception] == []
    assert page_titles(at) == {"Sign in to Engage"}
    assert any("misconfigured" in e.value for e in at.error)
    # the reason names the configuration's tables, so it goes to the log, not the screen
    assert not any("engage.users" in e.value for e in at.error)
    assert list(at.metric) == [] and list(at.dataframe) == []


def test_readme_documents_sign_in() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Shared deployment: sign-in and roles", 1)[1]
    for needle in ("python -m engage_metrics.auth hash", "[engage.auth]", "password_hash",
                   "[engage.roles]", "viewer", "analyst", "st.login"):
        assert needle in section


# --- attacks on a real server ---------------------------------------------------------
# Each test starts `streamlit run dashboard.py` on a free loopback port with a real
# .streamlit/secrets.toml and talks to it as any program could: a bare websocket client.

WRONG = "The user name or the password is wrong"
TOO_MANY = "Too many failed sign-ins"
SERVER_SECRETS = {"engage": {
    "auth": {"mode": "password"},
    "users": {name: {"password_hash": auth.hash_password(pw, iterations=FAST), "role": role}
              for name, pw, role in (("ana", ANALYST_PW, "analyst"), ("dana", VIEWER_PW, "viewer"),
                                     ("erin", "erin-pw", "viewer"), ("fay", "fay-pw", "viewer"))}}}


@pytest.fixture(scope="module")
def auth_server_and_secrets(tmp_path_factory: pytest.TempPathFactory):
    """One server for the module's attacks (each test uses user names of its own): its
    websocket URL and its secrets file, restored after every test that edits it."""
    from helpers_ws import server_with_secrets

    with server_with_secrets(tmp_path_factory.mktemp("auth-server"), SERVER_SECRETS) as started:
        yield started


@pytest.fixture
def auth_server(auth_server_and_secrets) -> str:
    return auth_server_and_secrets[0]


def test_no_client_can_reset_the_sign_in_throttle(auth_server: str) -> None:
    """Five wrong passwords for erin, then another client (never signed in) sends
    the protocol's cache-clear; erin must still be refused, the right password too."""
    from helpers_ws import Client

    guesser, other = Client(auth_server), Client(auth_server)
    try:
        for _ in range(5):
            assert WRONG in guesser.sign_in("erin", "guess").text()
        assert TOO_MANY in guesser.sign_in("Erin ", "guess").text()
        other.clear_cache()
        after = guesser.sign_in("erin", "guess").text()
        assert TOO_MANY in after and WRONG not in after
        assert TOO_MANY in Client(auth_server).sign_in("erin", "erin-pw").text()
    finally:
        guesser.close()
        other.close()


def test_parallel_guesses_are_counted_before_they_are_checked(auth_server: str) -> None:
    """24 clients send a wrong password for fay at the same moment; only five of
    them may be checked, every other one is refused."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from helpers_ws import Client

    clients = [Client(auth_server) for _ in range(24)]
    try:
        clients[0].run()
        for client in clients[1:]:     # widget ids are the same in every session
            client.widget_ids = clients[0].widget_ids
        start = threading.Barrier(len(clients))

        def guess(client: Client) -> str:
            start.wait()
            return client.sign_in("fay", "guess").text()

        with ThreadPoolExecutor(len(clients)) as pool:
            shown = list(pool.map(guess, clients))
    finally:
        for client in clients:
            client.close()
    assert sum(WRONG in s for s in shown) == 5
    assert sum(TOO_MANY in s for s in shown) == 19


def test_revocation_applies_at_the_next_click_even_after_a_broken_save(
        auth_server_and_secrets) -> None:
    """The secrets file of a running server is once saved broken (everyone is
    locked out), then fixed; then demoting ana and removing dana take effect at their
    next click (Streamlit's own watcher of the file stops after the failed parse)."""
    import copy

    from helpers_ws import Client, wait_until, write_secrets

    url, secrets_file = auth_server_and_secrets
    server_dir = secrets_file.parent.parent
    good = secrets_file.read_text()
    ana, dana = Client(url), Client(url)
    try:
        assert "Signed in as ana (analyst)" in ana.sign_in("ana", ANALYST_PW).text()
        assert "Signed in as dana (viewer)" in dana.sign_in("dana", VIEWER_PW).text()
        secrets_file.write_text(good.replace('mode = "password"', 'mode = "password'))
        # everyone is locked out (Streamlit's watcher polls the file, so give it the
        # moment it needs to see the broken save: that is the bug's precondition)
        locked = wait_until(ana.run, lambda r: "misconfigured" in r.text())
        assert "misconfigured" in locked.text() and "Signed in" not in locked.text()
        secrets_file.write_text(good)
        assert "Signed in as ana (analyst)" in wait_until(
            ana.run, lambda r: "Signed in" in r.text()).text()
        demoted = copy.deepcopy(SERVER_SECRETS)
        demoted["engage"]["users"]["ana"]["role"] = "viewer"
        del demoted["engage"]["users"]["dana"]
        write_secrets(secrets_file, demoted)
        now = ana.run()
        assert "Signed in as ana (viewer)" in now.text()
        assert not {"People", "Data", "Settings"} & set(now.pages)
        gone = dana.run()
        assert gone.headings == ["Sign in to Engage"] and "Signed in" not in gone.text()
        secrets_file.write_text(good.replace("[engage.users.ana]", "[engage.users.ana"))
        assert "misconfigured" in ana.run().text()       # a broken save: out at the next click
        assert str(server_dir) not in locked.text()      # the sign-in screen names no path
    finally:
        secrets_file.write_text(good)
        ana.close()
        dana.close()


def test_secrets_file_is_never_committed() -> None:
    """.streamlit/secrets.toml (password hashes, OIDC client secrets) is ignored."""
    import shutil
    import subprocess

    root = Path(__file__).resolve().parents[1]
    if shutil.which("git") is None or not (root / ".git").exists():
        pytest.skip("not a git checkout")
    for path in (".streamlit/secrets.toml", "deploy/.streamlit/secrets.toml"):
        assert subprocess.run(["git", "check-ignore", "-q", path], cwd=root).returncode == 0


HOLDER = """
import sys, time
from engage_metrics import db
con = db.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(120)
"""


def test_store_busy_message_shows_viewers_no_server_path(app, tmp_path: Path) -> None:
    """The store is held by another process (a CLI import); the signed-in viewer
    learns that it is busy, but not where the server keeps its files."""
    import subprocess

    from helpers_ui import ROOT

    path = tmp_path / "private-dir" / "engage.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        at = app(path, secrets=PASSWORD_SECRETS)
        sign_in(at, "dana", VIEWER_PW)
        assert [e.value for e in at.exception] == []
        shown = [e.value for e in at.error]
        assert len(shown) == 1 and "busy" in shown[0].lower()
        text = " ".join(str(e.value) for kind in ("markdown", "caption", "error", "warning",
                                                  "info") for e in at.get(kind))
        assert str(tmp_path) not in text and "engage.duckdb" not in text and "/" not in shown[0]
        # the command line still names the file: its user typed that path
        from engage_metrics import db

        with pytest.raises(db.StoreBusy) as busy:
            db.connect(path)
        assert str(path) in str(busy.value) and str(tmp_path) not in busy.value.public
    finally:
        holder.kill()
        holder.wait()
