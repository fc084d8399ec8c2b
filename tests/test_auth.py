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


def test_throttle_blocks_after_repeated_failures() -> None:
    now = [0.0]
    throttle = auth.Throttle(limit=3, window=60, clock=lambda: now[0])
    for _ in range(3):
        assert not throttle.blocked("Ana")
        throttle.failed("ana")
    assert throttle.blocked("ANA") and not throttle.blocked("dana")
    now[0] = 61
    assert not throttle.blocked("ana")


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
                                                         monkeypatch) -> None:
    """The second lock: a page run without the entry point's navigation checks the role."""
    from helpers_ui import ROOT
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ENGAGE_DB", str(demo_store.path))
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
    assert list(at.metric) == [] and list(at.dataframe) == []


def test_readme_documents_sign_in() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Shared deployment: sign-in and roles", 1)[1]
    for needle in ("python -m engage_metrics.auth hash", "[engage.auth]", "password_hash",
                   "[engage.roles]", "viewer", "analyst", "st.login"):
        assert needle in section
