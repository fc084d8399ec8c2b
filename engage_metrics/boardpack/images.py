"""Chart images: plotly figures turned into PNGs by kaleido, with one Chromium for the whole
pack."""
from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import plotly.graph_objects as go


class ChartsUnavailable(RuntimeError):
    """No Chromium to draw the charts with."""


_KALEIDO = threading.Lock()     # one Chromium, one pack at a time in a process
PNG_SCALE = 1.5                 # 2400 px across a 31 cm page: about 200 dpi


@contextmanager
def chart_renderer() -> Iterator[Callable[[go.Figure, tuple[int, int]], bytes]]:
    """A function figure -> PNG bytes, backed by one kaleido server (one Chromium) that is
    started here and stopped on exit. Kaleido finds Chromium on PATH (Debian: chromium)
    or at $BROWSER_PATH."""
    import kaleido
    from choreographer.browsers.chromium import Chromium

    browser = Chromium.find_browser(skip_local=False)
    if browser is None or not os.access(browser, os.X_OK):
        # kaleido's server thread would die at start and leave every call waiting
        raise ChartsUnavailable("Chart images need Chromium: install it (Debian: apt install "
                                "chromium) or set BROWSER_PATH to a Chrome/Chromium binary.")
    with _KALEIDO:
        kaleido.start_sync_server(silence_warnings=True)
        try:
            def render(fig: go.Figure, size: tuple[int, int]) -> bytes:
                return kaleido.calc_fig_sync(fig.to_dict(), opts=dict(
                    format="png", width=size[0], height=size[1], scale=PNG_SCALE))
            yield render
        finally:
            kaleido.stop_sync_server(silence_warnings=True)
