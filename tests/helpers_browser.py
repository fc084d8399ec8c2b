"""Helpers for the real-browser tests: a `streamlit run dashboard.py` server on a free
loopback port and the Chromium it is driven with. The fixtures built on them (server,
browser, page) are in conftest.py."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers_ui import ROOT

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
START_SECONDS = 120                 # a ceiling: a loaded machine can take long to start it
HEALTH_POLL_SECONDS = 0.1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str) -> bool:
    """True once the server answers its health endpoint."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


@contextmanager
def streamlit_server(path: Path, cwd: Path = ROOT,
                     env: dict[str, str] | None = None) -> Iterator[str]:
    """`streamlit run dashboard.py` on the store at *path*, started in *cwd* (Streamlit
    reads .streamlit/secrets.toml from there) with the variables *env* set besides
    ENGAGE_DB; yields its base URL once it is healthy."""
    port = free_port()
    log_path = path.with_suffix(".log")
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"),
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=cwd, env={**os.environ, "ENGAGE_DB": str(path), **(env or {})}, stdout=log,
            stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + START_SECONDS
            while not healthy(url):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"streamlit did not start: {log_path.read_text()}")
                time.sleep(HEALTH_POLL_SECONDS)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=20)
