"""Who may see what in a shared deployment: password hashes, the sign-in
configuration and the two roles. No Streamlit here; the dashboard's gate
(engage_ui/access.py) reads ``st.secrets`` and asks this module.

Local single-user use needs no configuration: without an ``[engage.auth]``
section everyone is an analyst and nobody signs in. A shared deployment sets,
in ``.streamlit/secrets.toml``, either::

    [engage.auth]
    mode = "password"
    [engage.users.dana]
    password_hash = "pbkdf2_sha256$600000$…$…"   # python -m engage_metrics.auth hash
    role = "viewer"

or ``mode = "oidc"`` (Streamlit's ``st.login``, configured in ``[auth]``) with
``[engage.roles] analysts = ["ana@example.org"]``; everyone else who signs in
is a viewer. A configuration that cannot be read fails closed: nobody gets in
and the message says what to fix.

The secrets files are read afresh at every check (:func:`read_secrets`), so a removed
user or a changed role applies at the user's next click, and failed sign-ins are counted
in this process's memory (:data:`THROTTLE`), which no client of the server can clear.
docs/security.md describes the whole model.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import sys
import threading
import time
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 600_000          # OWASP 2023 guidance for PBKDF2-HMAC-SHA256
MIN_ITERATIONS = 200_000      # hashes weaker than this are refused, not trusted
ANALYST, VIEWER = "analyst", "viewer"
ROLES = (ANALYST, VIEWER)
MODES = ("local", "password", "oidc")


class AuthConfigError(ValueError):
    """The sign-in configuration cannot be used; the message says what to fix (and names
    no server path: it is shown on the sign-in screen, to anyone)."""


class TooManyAttempts(Exception):
    """The user name has had too many failed sign-ins lately; no password was checked."""


def normalize_user(name: str | None) -> str:
    """The form of a user name that the configuration, the sign-in and the throttle all
    key on: Unicode-normalized (NFKC), trimmed and case-folded."""
    return unicodedata.normalize("NFKC", name or "").strip().casefold()


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _email_key(email: str | None) -> str:
    """An OIDC email as the analysts list is matched: trimmed, ASCII letters lower-cased
    and nothing else folded. The email comes from the identity provider, so no Unicode
    folding may make another account's address equal an analyst's (``str.lower`` turns
    the Kelvin sign into "k", ``casefold`` turns "ß" into "ss")."""
    return (email or "").strip().translate(_ASCII_LOWER)


def read_secrets(paths: Iterable[str | Path]) -> dict[str, Any]:
    """The secrets of the TOML files in *paths* that exist, each file's top-level keys
    overriding the earlier ones' (as Streamlit merges them); {} when none exists.

    Read afresh at every call: it is a small file, and a cached copy is what let a removed
    user stay signed in. (Streamlit's own ``st.secrets`` reloads through a file watcher
    that stops for good after a save that does not parse.) A file that exists but cannot
    be read or parsed raises AuthConfigError, so a broken file locks everyone out.
    Directory entries (Kubernetes-style secrets) are skipped: they cannot hold the
    ``[engage]`` tables."""
    merged: dict[str, Any] = {}
    for entry in paths:
        path = Path(entry)
        if path.suffix != ".toml":
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            continue
        except (OSError, UnicodeDecodeError) as exc:
            raise AuthConfigError(f"the secrets file {_shown(path)} cannot be read "
                                  f"({type(exc).__name__}).") from None
        try:
            merged.update(tomllib.loads(text))
        except tomllib.TOMLDecodeError as exc:
            # tomllib's message says where (line, column), never the file's content
            raise AuthConfigError(f"the secrets file {_shown(path)} is not valid TOML "
                                  f"({exc}).") from None
    return merged


def _shown(path: Path) -> str:
    """A secrets file as the sign-in screen names it: its folder and name, never where
    on the server it is (``.streamlit/secrets.toml``)."""
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str, salt: bytes | None = None,
                  iterations: int = ITERATIONS) -> str:
    """``pbkdf2_sha256$<iterations>$<salt b64>$<hash b64>`` with a random 16-byte salt."""
    if not password:
        raise ValueError("the password is empty")
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{ALGORITHM}${iterations}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    """True when *password* matches *encoded*; False for a wrong password and for any
    malformed, tampered or too-weak hash (never an exception)."""
    try:
        algorithm, iterations_text, salt_text, digest_text = encoded.split("$")
        iterations = int(iterations_text)
        salt = base64.b64decode(salt_text, validate=True)
        expected = base64.b64decode(digest_text, validate=True)
    except (AttributeError, ValueError):
        return False
    if algorithm != ALGORITHM or iterations < MIN_ITERATIONS or not salt or len(expected) != 32:
        return False
    actual = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return hmac.compare_digest(actual, expected)


# checked against when the user name is unknown, so a wrong name takes as long as a
# wrong password and the timing does not tell which user names exist: hash_password(
# "engage-dummy-password", salt=16 zero bytes, iterations=MIN_ITERATIONS), written out
# rather than computed when the module is imported (0.1 s of every page's first view in a
# new process; tests/test_auth.py checks it)
_DUMMY_HASH = ("pbkdf2_sha256$200000$AAAAAAAAAAAAAAAAAAAAAA==$"
               "Py35JJysjhlj4OBp5T2jv/MrSpJV5Cdr+v3qmd6wMYg=")


@dataclass(frozen=True)
class AuthConfig:
    mode: str = "local"
    users: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # name -> (hash, role)
    analysts: frozenset[str] = frozenset()      # OIDC: lower-cased emails of analysts
    provider: str | None = None                  # OIDC: a named [auth.<provider>] section

    @property
    def signs_in(self) -> bool:
        return self.mode != "local"


def _section(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise AuthConfigError(f"[{where}] in .streamlit/secrets.toml must be a table.")
    return value


def parse_config(secrets_: Mapping[str, Any] | None) -> AuthConfig:
    """The sign-in configuration from the secrets' ``[engage]`` table (local mode when
    there is none). Raises AuthConfigError when it is present but unusable."""
    engage = _section((secrets_ or {}).get("engage"), "engage")
    auth = _section(engage.get("auth"), "engage.auth")
    mode = str(auth.get("mode", "local")).strip().lower()
    if mode not in MODES:
        raise AuthConfigError(f"[engage.auth] mode = {mode!r} is not one of "
                              f"{', '.join(MODES)}.")
    if mode == "password":
        users: dict[str, tuple[str, str]] = {}
        for name, entry in _section(engage.get("users"), "engage.users").items():
            key = normalize_user(str(name))
            if not key or key in users:
                raise AuthConfigError(f"[engage.users.{name}]: user names must be distinct "
                                      "ignoring case and spaces, and not empty.")
            entry = _section(entry, f"engage.users.{name}")
            role = str(entry.get("role", VIEWER)).strip().lower()
            if role not in ROLES:
                raise AuthConfigError(f"[engage.users.{name}] role = {role!r}: use "
                                      f"\"{ANALYST}\" or \"{VIEWER}\".")
            encoded = str(entry.get("password_hash", ""))
            if not encoded.startswith(ALGORITHM + "$"):
                raise AuthConfigError(f"[engage.users.{name}] needs a password_hash made by "
                                      "`python -m engage_metrics.auth hash`.")
            users[key] = (encoded, role)
        if not users:
            raise AuthConfigError("[engage.auth] mode = \"password\" needs at least one "
                                  "[engage.users.<name>] with a password_hash and a role.")
        return AuthConfig(mode=mode, users=users)
    if mode == "oidc":
        roles = _section(engage.get("roles"), "engage.roles")
        analysts = roles.get("analysts", [])
        if isinstance(analysts, str) or not all(isinstance(a, str) for a in analysts):
            raise AuthConfigError("[engage.roles] analysts must be a list of email addresses.")
        provider = auth.get("provider")
        return AuthConfig(mode=mode, analysts=frozenset(_email_key(a) for a in analysts),
                          provider=str(provider) if provider else None)
    return AuthConfig()


def authenticate(config: AuthConfig, username: str, password: str) -> str | None:
    """The role of a password-mode user whose password is right, else None."""
    entry = config.users.get(normalize_user(username))
    if entry is None:
        verify_password(password, _DUMMY_HASH)
        return None
    return entry[1] if verify_password(password, entry[0]) else None


def user_role(config: AuthConfig, username: str | None) -> str | None:
    """A signed-in password user's role now (None when the user was removed since)."""
    entry = config.users.get(normalize_user(username))
    return entry[1] if entry else None


def oidc_role(config: AuthConfig, email: str | None) -> str:
    """An OIDC user's role: analyst when the email is listed, else viewer."""
    return ANALYST if _email_key(email) in config.analysts else VIEWER


def is_analyst(role: str | None) -> bool:
    return role == ANALYST


class Throttle:
    """Refuses sign-in for a user name after *limit* failures within *window* seconds,
    for the rest of that window: slows password guessing across every session.

    An attempt is counted *before* its password is checked (:meth:`reserve`, atomic under
    a lock), so simultaneous guesses cannot all slip in before the first is recorded; a
    right password then takes its attempt back and forgets the name's failures."""

    MAX_NAMES = 10_000          # names remembered before expired ones are swept out

    def __init__(self, limit: int = 5, window: float = 900.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        recent = [t for t in self._failures.get(key, []) if now - t < self.window]
        if recent:
            self._failures[key] = recent
        else:
            self._failures.pop(key, None)
        return recent

    def _sweep(self, now: float) -> None:
        """Forget names whose failures have all expired (random names must not grow the
        memory without bound)."""
        for key in list(self._failures):
            self._recent(key, now)

    def blocked(self, username: str) -> bool:
        """True while the name has *limit* failures (or attempts under way) in the window."""
        with self._lock:
            return len(self._recent(normalize_user(username), self.clock())) >= self.limit

    def reserve(self, username: str) -> bool:
        """Count an attempt for *username* now, before its password is checked; False
        (nothing counted) when the name is blocked."""
        key = normalize_user(username)
        with self._lock:
            now = self.clock()
            if len(self._failures) >= self.MAX_NAMES:
                self._sweep(now)
            recent = self._recent(key, now)
            if len(recent) >= self.limit:
                return False
            self._failures[key] = [*recent, now]
            return True

    def succeeded(self, username: str) -> None:
        """The right password: the name's failures are forgotten."""
        with self._lock:
            self._failures.pop(normalize_user(username), None)


# Failed sign-ins of this server process: in plain process memory, not in a Streamlit
# cache, because any client of the server can clear those (the "Clear cache" menu item is
# a message every websocket client may send, signed in or not). A restart forgets them.
THROTTLE = Throttle()


def sign_in(config: AuthConfig, username: str, password: str,
            throttle: Throttle | None = None) -> str | None:
    """Check a password-mode sign-in: the user's role, or None for a wrong user name or
    password. Raises TooManyAttempts, without checking the password, once the name has had
    *limit* failures in the window; the attempt is counted before the (slow) check."""
    throttle = throttle if throttle is not None else THROTTLE
    if not throttle.reserve(username):
        raise TooManyAttempts(username)
    role = authenticate(config, username, password)
    if role is not None:
        throttle.succeeded(username)
    return role


def main(argv: list[str] | None = None) -> int:
    """``python -m engage_metrics.auth hash``: read a password from stdin (or a prompt),
    print its hash for ``[engage.users.<name>] password_hash``."""
    args = sys.argv[1:] if argv is None else argv
    if args != ["hash"]:
        print("usage: python -m engage_metrics.auth hash   (reads the password from stdin)",
              file=sys.stderr)
        return 2
    if sys.stdin.isatty():
        import getpass

        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("The two passwords differ.", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        print("The password is empty.", file=sys.stderr)
        return 1
    print(hash_password(password))
    return 0


if __name__ == "__main__":
    sys.exit(main())
