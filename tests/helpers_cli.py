"""`engage ARGS` run in the test's own process (``engage_metrics.cli.main``, what the
console script calls), its output streams and exit code captured as a finished
process's: a new process per call cost a second of start-up each. The entry points
themselves (`python -m engage_metrics`, the `engage` script, a closed pipe) are tested in
processes of their own (tests/test_cli.py)."""
from __future__ import annotations

import contextlib
import io
import subprocess

from engage_metrics.cli import main


def engage(*argv: str) -> subprocess.CompletedProcess:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:   # argparse: --help, --version, a usage error
            code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    return subprocess.CompletedProcess(["engage", *argv], code, out.getvalue(), err.getvalue())
