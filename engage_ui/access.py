"""The sign-in gate and the role of this session (the rules live in engage_metrics.auth).

The entry point calls :func:`gate` before anything touches the data: in local mode
(no ``[engage.auth]`` in ``.streamlit/secrets.toml``) it returns an analyst session
at once; in a shared deployment it shows only the sign-in screen until the user has
signed in. Analyst pages call :func:`require_analyst` as a second lock, in case one
is reached without the entry point's navigation.

The secrets files are read afresh at every check (not through ``st.secrets``, whose
reloading stops after one unparsable save), so removing a user or changing a role
applies at that user's next click. Failed sign-ins are counted in
``engage_metrics.auth.THROTTLE`` (process memory), never in a Streamlit cache: any
websocket client may clear those. docs/security.md has the whole model.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import streamlit as st

from engage_metrics import auth
from engage_ui.text import plain

log = logging.getLogger("engage.dashboard")
_USER = "_engage_signed_in_user"     # not a widget key: the browser cannot set it
_logged_error: str | None = None      # the configuration error last written to the log


@dataclass(frozen=True)
class Session:
    role: str
    user: str | None = None       # the user name or email shown in the sidebar
    mode: str = "local"

    @property
    def is_analyst(self) -> bool:
        return auth.is_analyst(self.role)


def _secrets() -> dict[str, Any]:
    """The secrets as they are in the files now ({} when there is no secrets file: local
    mode), from where Streamlit looks for them (the ``secrets.files`` option). A secrets
    file that exists but cannot be read fails closed instead of opening local mode."""
    return auth.read_secrets(st.get_option("secrets.files"))


def config() -> auth.AuthConfig:
    """The sign-in configuration as the secrets files say now. An unusable one raises
    AuthConfigError, written to the log once per distinct error (the screen says only
    that sign-in is misconfigured: the reason can name a user)."""
    global _logged_error
    try:
        return auth.parse_config(_secrets())
    except auth.AuthConfigError as exc:
        if str(exc) != _logged_error:     # once per error, not at every click
            _logged_error = str(exc)
            log.error("sign-in configuration unusable: %s", exc)   # names no secret
        raise


def _oidc_user() -> tuple[bool, str | None]:
    info = st.user.to_dict()
    email = info.get("email")
    return bool(info.get("is_logged_in", False)), email if isinstance(email, str) else None


def current() -> Session | None:
    """This session's role, or None when nobody is signed in (never renders anything)."""
    cfg = config()
    if cfg.mode == "local":
        return Session(auth.ANALYST)
    if cfg.mode == "password":
        user = st.session_state.get(_USER)
        role = auth.user_role(cfg, user)
        if role is None:
            st.session_state.pop(_USER, None)
            return None
        return Session(role, user, cfg.mode)
    logged_in, email = _oidc_user()
    return Session(auth.oidc_role(cfg, email), email, cfg.mode) if logged_in else None


def _password_form(cfg: auth.AuthConfig) -> None:
    with st.form("sign_in"):
        username = st.text_input("User name", key="sign_in_user")
        password = st.text_input("Password", type="password", key="sign_in_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    try:
        role = auth.sign_in(cfg, username, password)
    except auth.TooManyAttempts:
        log.warning("sign-in refused: too many failures")   # no user name: personal data
        st.error("Too many failed sign-ins for this user name. Wait 15 minutes and try again.")
        return
    if role is None:
        log.warning("failed sign-in")          # no user name: it may be personal data
        st.error("The user name or the password is wrong. Try again, or ask your Engage "
                 "administrator to reset your password.")
        return
    st.session_state[_USER] = auth.normalize_user(username)
    st.rerun()


def sign_in_page() -> None:
    """The only page of a session that has not signed in."""
    st.title("Sign in to Engage")
    try:
        cfg = config()
    except auth.AuthConfigError:      # the reason (it may name a user) is in the server log
        st.error("Sign-in is misconfigured, so nobody can sign in. Ask the person who runs "
                 "this Engage server: the server's log says what to fix in "
                 ".streamlit/secrets.toml.")
        return
    if cfg.mode == "password":
        st.caption("This dashboard is shared; sign in with the user name and password your "
                   "Engage administrator gave you.")
        _password_form(cfg)
    else:
        st.caption("This dashboard is shared; sign in with your organization account.")
        if st.button("Sign in", type="primary", key="oidc_sign_in"):
            try:
                st.login(cfg.provider) if cfg.provider else st.login()
            except st.errors.StreamlitAPIException as exc:
                log.error("st.login failed: %s", type(exc).__name__)
                st.error("Sign-in through your organization account is not set up on this "
                         "server (the [auth] section of .streamlit/secrets.toml). Ask the "
                         "person who runs this Engage server.")


def gate() -> Session | None:
    """The signed-in session, or None (the caller then shows only :func:`sign_in_page`).
    A configuration error counts as nobody signed in: fail closed."""
    try:
        return current()
    except auth.AuthConfigError:
        return None


def sign_out_button(session: Session) -> None:
    """Who is signed in, and the sign-out button (nothing in local mode)."""
    if session.mode == "local":
        return
    st.sidebar.caption(f"Signed in as {plain(session.user)} ({session.role})")
    if st.sidebar.button("Sign out", key="sign_out", icon="🚪"):
        if session.mode == "oidc":
            st.logout()
        st.session_state.clear()
        st.rerun()


def require_analyst() -> Session:
    """Stop the page with a message unless an analyst is signed in."""
    session = gate()
    if session is None or not session.is_analyst:
        st.error("This page is for analysts. Ask your Engage administrator if you need it.")
        st.stop()
    return session
