"""The one place Engage reaches into Streamlit's internals: the old ``pages/`` folder mode.

Engage keeps one file per page in ``pages/`` (the product's layout) and navigates with
``st.navigation`` from ``dashboard.py``. Streamlit treats an app with a ``pages/`` folder as
an old-style multipage app until ``st.navigation`` has run once in the process, through one
private flag, ``PagesManager.uses_pages_directory``. Two consequences are handled here:

- on a server, the very first request after a start that deep-links to a page
  (``/people``) would run that page file alone — no sidebar, no shared filters;
  :func:`require_entry_point` clears the flag and reruns through the entry point;
- ``AppTest`` sets the flag again before every run, so every run after the first would run
  the page file alone; :func:`app_tests_run_navigation` keeps it cleared, as a server does.

Nothing else in Engage touches Streamlit's private modules. If an upgrade drops the flag,
the page tests fail (a page run alone has no sidebar) instead of users silently getting a
page without filters.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def require_entry_point() -> None:
    """Rerun through dashboard.py when a page was started without it (see the module)."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


class _NavigationPagesManager(PagesManager):
    """A pages manager that leaves the flag cleared, as st.navigation leaves it on a server."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


@contextmanager
def app_tests_run_navigation() -> Iterator[None]:
    """AppTests created inside run the whole dashboard on every run, as a server does
    (page tests and the benchmark's page timings)."""
    from streamlit.testing.v1 import app_test

    original = app_test.PagesManager
    app_test.PagesManager = _NavigationPagesManager  # type: ignore[misc]  # the point
    try:
        yield
    finally:
        app_test.PagesManager = original  # type: ignore[misc]
