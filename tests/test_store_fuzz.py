"""A fuzz pass over a store file: seeded random byte flips, cut-off ends, zeroed and
overwritten runs of bytes in a small store, then its report. Every outcome is either the
original numbers or a clean refusal — a StoreError with a one-line message (the CLI: exit
code 2, one line on stderr) — never other numbers and never a traceback.

Why it holds: DuckDB checks a checksum on every block it reads (and on each database
header), so a changed byte in a block that is read is refused, not read as another value;
a changed byte in free space or past the last block is never read, and the numbers stay
right. engage_metrics/faults.py tells the refusals apart.
"""
from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from test_faults import ROOT, participation_csv

from engage_metrics import db, importer, metrics

CASES = 20            # engine-level cases (about 0.2 s each)
CLI_CASES = 3         # of which also through `python -m engage_metrics report`
SEED = 14


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, dict]:
    """The bytes of a small closed store and its report."""
    path = tmp_path_factory.mktemp("fuzz") / "store.duckdb"
    con = db.connect(path)
    importer.import_bytes(con, participation_csv(300, "a", people=60), "a.csv")
    report = metrics.report(con, metrics.Window.default(con))
    con.close()
    return path.read_bytes(), report


def mutate(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """*data* with one kind of damage, and what was done."""
    out = bytearray(data)
    kind = rng.choice(["flip", "cut", "zero", "noise"])
    at = rng.randrange(len(out))
    if kind == "flip":
        spots = sorted(rng.randrange(len(out)) for _ in range(rng.randint(1, 8)))
        for spot in spots:
            out[spot] ^= 1 << rng.randrange(8)
        return bytes(out), f"flipped bits at {spots}"
    if kind == "cut":
        return bytes(out[:at]), f"cut to {at} bytes"
    length = rng.choice([8, 512, 4096, 256 * 1024])
    fill = bytes(length) if kind == "zero" else rng.randbytes(length)
    out[at:at + length] = fill[:len(out) - at]
    return bytes(out), f"{kind} {length} bytes at {at}"


def outcome(path: Path) -> dict | str:
    """The report of the store at *path*, or the message of a StoreError refusing it."""
    metrics.clear_caches()             # a kept report of another case must not answer
    try:
        con = db.connect(path)
    except db.StoreError as exc:
        return str(exc)
    try:
        return metrics.report(con, metrics.Window.default(con))
    except db.StoreError as exc:
        return str(exc)
    finally:
        con.close()


def test_a_damaged_store_gives_the_right_numbers_or_a_clean_refusal(original, tmp_path):
    data, report = original
    rng = random.Random(SEED)
    seen = {"right numbers": 0, "refused": 0}
    for case in range(CASES):
        damaged, what = mutate(data, rng)
        path = tmp_path / f"case-{case}.duckdb"       # a file of its own: DuckDB keeps one
        path.write_bytes(damaged)                       # instance per path and process
        got = outcome(path)
        if isinstance(got, str):
            assert "\n" not in got and str(path) in got, (what, got)
            seen["refused"] += 1
        else:
            assert got == report, f"{what}: other numbers than the store's"
            seen["right numbers"] += 1
    assert all(seen.values()), seen      # the pass met both outcomes


def test_the_cli_on_a_damaged_store_prints_the_numbers_or_one_line(original, tmp_path):
    data, report = original
    rng = random.Random(SEED + 1)
    expected = json.loads(json.dumps(report))
    done = 0
    while done < CLI_CASES:
        damaged, what = mutate(data, rng)
        path = tmp_path / f"cli-{done}.duckdb"
        path.write_bytes(damaged)
        proc = subprocess.run([sys.executable, "-m", "engage_metrics", "report", "--db",
                               str(path), "--format", "json"], cwd=ROOT, capture_output=True,
                              text=True, timeout=120)
        if proc.returncode == 0:
            assert json.loads(proc.stdout) == expected, what
        else:
            assert proc.returncode == 2, (what, proc.stderr)
            assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, what
        done += 1
