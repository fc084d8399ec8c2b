"""A bare Streamlit websocket client, for the tests that attack a real `streamlit run` server
the way any program on the network could: no browser, just the protocol's BackMsgs (a
rerun with chosen widget values, a cache clear) and the ForwardMsgs the server answers with.
Also: the sign-in secrets of those servers, written as a real `.streamlit/secrets.toml`."""
from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from helpers_browser import streamlit_server
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.sync.client import ClientConnection, connect

RUN_SECONDS = 60          # a ceiling for one script run on a loaded machine
T = TypeVar("T")


def toml(table: Mapping[str, Any], prefix: str = "") -> str:
    """*table* as TOML (tables, strings, numbers, booleans and lists of strings: what a
    secrets file holds)."""
    def key(k: str) -> str:
        return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k)

    lines, subtables = [], []
    for k, v in table.items():
        if isinstance(v, Mapping):
            subtables.append((k, v))
        else:
            lines.append(f"{key(k)} = {json.dumps(v)}")
    out = (f"[{prefix}]\n" if prefix and lines else "") + "".join(line + "\n" for line in lines)
    for k, v in subtables:
        out += toml(v, f"{prefix}.{key(k)}" if prefix else key(k))
    return out


def write_secrets(path: Path, secrets: Mapping[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(toml(secrets), encoding="utf-8")
    return path


@contextmanager
def server_with_secrets(tmp: Path, secrets: Mapping[str, Any]) -> Iterator[tuple[str, Path]]:
    """`streamlit run dashboard.py` started in *tmp* with *secrets* in tmp/.streamlit/
    secrets.toml, on an empty store; yields the websocket URL and the secrets file."""
    secrets_file = write_secrets(tmp / ".streamlit" / "secrets.toml", secrets)
    with streamlit_server(tmp / "engage.duckdb", tmp) as url:
        ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
        first = Client(ws_url)        # the first run imports the app: not any test's time
        first.run()
        first.close()
        yield ws_url, secrets_file


@dataclass
class Run:
    """What one script run showed: alert texts (errors, warnings …), headings, captions
    and the names of the pages the navigation offers."""
    alerts: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "\n".join(self.alerts + self.headings + self.captions + self.exceptions)


class Client:
    """One browser tab's worth of websocket session, without the browser."""

    def __init__(self, url: str) -> None:
        self.ws: ClientConnection = connect(url, subprotocols=["streamlit"],
                                            open_timeout=RUN_SECONDS, legacy=True)
        self.widget_ids: dict[str, str] = {}     # label -> the id the server gave the widget

    def close(self) -> None:
        self.ws.close()

    def send(self, msg: BackMsg) -> None:
        self.ws.send(msg.SerializeToString())

    def run(self, widgets: tuple[WidgetState, ...] = ()) -> Run:
        """Ask for a rerun with *widgets* and collect what it shows until it finishes (a run
        that ends early for another, as ``st.rerun()`` does, gives way to that one)."""
        msg = BackMsg()
        msg.rerun_script.CopyFrom(ClientState())
        msg.rerun_script.widget_states.widgets.extend(widgets)
        self.send(msg)
        run = Run()
        deadline = time.monotonic() + RUN_SECONDS
        while True:
            fm = ForwardMsg()
            fm.ParseFromString(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            kind = fm.WhichOneof("type")
            if kind == "script_finished":
                if fm.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    return run
                run = Run()
            if kind == "navigation":
                run.pages = [p.page_name for p in fm.navigation.app_pages]
            if kind != "delta" or fm.delta.WhichOneof("type") != "new_element":
                continue
            element = fm.delta.new_element
            which = element.WhichOneof("type")
            if which == "text_input":
                self.widget_ids[element.text_input.label] = element.text_input.id
            elif which == "button":
                self.widget_ids[element.button.label] = element.button.id
            elif which == "alert":
                run.alerts.append(element.alert.body)
            elif which == "heading":
                run.headings.append(element.heading.body)
            elif which == "markdown":
                run.captions.append(element.markdown.body)
            elif which == "exception":
                run.exceptions.append(element.exception.message)

    def sign_in(self, user: str, password: str) -> Run:
        """Fill the sign-in form and press Sign in, as the browser sends it: both fields'
        values and the submit button's trigger in one rerun."""
        if "Sign in" not in self.widget_ids:
            self.run()
        ids = self.widget_ids
        return self.run((WidgetState(id=ids["User name"], string_value=user),
                         WidgetState(id=ids["Password"], string_value=password),
                         WidgetState(id=ids["Sign in"], trigger_value=True)))

    def clear_cache(self) -> None:
        """The main menu's "Clear cache": clears every Streamlit cache of the server. The
        rerun after it returns once the server has handled it (one session's messages
        are handled in order)."""
        self.send(BackMsg(clear_cache=True))
        self.run()


def wait_until(probe: Callable[[], T], ok: Callable[[T], bool], seconds: float = 30) -> T:
    """Call *probe* until *ok* accepts what it returns (each call is a real round trip to
    the server, so no sleep between them); the last result when time is up."""
    deadline = time.monotonic() + seconds
    while True:
        result = probe()
        if ok(result) or time.monotonic() > deadline:
            return result
