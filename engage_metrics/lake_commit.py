"""Committing a change to a lake so that it lands whole, even when the process dies midway.

A change (``./scripts/spark import``, ``undo``, ``decide``) writes everything it changes
into ``LAKE/.staging`` first::

    .staging/tables/NAME/            a table written whole, to replace LAKE/NAME
    .staging/parts/NAME/import_id=N/ a new import's partition of a journal table
    .staging/engage-lake.json        the new manifest
    .staging/plan.json               what the commit moves: written last, atomically

Writing ``plan.json`` is the commit point. Before it, the lake is untouched and an
interrupted change is thrown away; after it, every step of the commit can be done again
without harm (each rename is done only if its source is still there), so an interrupted
commit is finished by rolling forward: the replaced tables and an undone import's
partitions are moved into ``LAKE/.replaced``, the staged ones into place, the manifest
last, and then ``.staging`` and ``.replaced`` are deleted.

:func:`finish` does that for whatever a dead process left; every change calls it first,
under the lake's lock, and readers refuse a lake whose commit is pending
(:func:`engage_metrics.lake.commit_pending`, in :func:`~engage_metrics.lake.read_manifest`),
with what to run, instead of reading a mix of two states.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from engage_metrics.lake import (
    MANIFEST,
    PARTITION_COLUMN,
    PARTITIONED,
    PLAN,
    STAGING,
    LakeError,
)
from engage_metrics.lake import commit_pending as pending

ASIDE = ".replaced"
LOCK = ".lock"

# the renames of a commit (POSIX rename: atomic, replacing a file), through one name so
# that tests can stop a commit at any of them
_move = os.rename


def commit(folder: Path, plan: dict[str, Any]) -> None:
    """Commit the change staged in *folder*/.staging (its tables, parts and manifest all
    written): *plan* names the tables staged whole (``whole``), the new partitions by
    table (``parts``) and the imports whose partitions go (``gone``)."""
    staging = folder / STAGING
    written = staging / f".{PLAN}.new"
    written.write_text(json.dumps(plan))
    os.replace(written, staging / PLAN)           # the commit point
    finish(folder)


def check_lake_folder(where: str) -> Path:
    """The local directory of a lake given as --lake (imports write by renaming)."""
    if "://" in where and not where.startswith("file://"):
        raise LakeError(f"{where}: imports, undo and decisions need a lake on a local or "
                        "mounted file system; reports read any URI Spark reads.")
    return Path(where.removeprefix("file://"))


@contextmanager
def writing(folder: Path) -> Iterator[None]:
    """One change of the lake *folder* at a time: an exclusive lock on ``LAKE/.lock``
    (released when the process ends, however it ends), waited for; then what an earlier
    change that died left is finished first (:func:`finish`), and said on stderr."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / LOCK).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = finish(folder)
        if done == "completed":
            print(f"note: {folder}: the last change had stopped during its commit; it is "
                  "now complete.", file=sys.stderr)
        elif done == "discarded":
            print(f"note: {folder}: the last change had stopped before its commit; what it "
                  "had staged was deleted (the lake is as it was before it).",
                  file=sys.stderr)
        yield


def finish(folder: Path) -> str | None:
    """End what an interrupted change left in *folder*: ``"completed"`` when its commit
    had begun (rolled forward), ``"discarded"`` when it had not (the staged files
    deleted; the lake was untouched), None when there was nothing. Call it holding the
    lake's lock."""
    staging, aside = folder / STAGING, folder / ASIDE
    if pending(folder):
        _roll_forward(folder, staging, aside, json.loads((staging / PLAN).read_text()))
        (staging / PLAN).unlink()
        done: str | None = "completed"
    else:
        done = "discarded" if staging.exists() or aside.exists() else None
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(aside, ignore_errors=True)
    return done


def _roll_forward(folder: Path, staging: Path, aside: Path, plan: dict[str, Any]) -> None:
    """Every step of the commit, each done only if not done yet."""
    aside.mkdir(exist_ok=True)
    for name in plan["whole"]:
        new = staging / "tables" / name
        if not new.exists():                      # moved in already
            continue
        if (folder / name).exists():              # the table it replaces: aside first
            _move(folder / name, aside / name)
        _move(new, folder / name)
    for name in sorted(PARTITIONED - set(plan["whole"])):
        for import_id in plan["gone"]:
            part = folder / name / f"{PARTITION_COLUMN}={import_id}"
            if part.exists():
                (aside / name).mkdir(exist_ok=True)
                _move(part, aside / name / part.name)
        for part in plan["parts"].get(name, []):
            if (staging / "parts" / name / part).exists():
                _move(staging / "parts" / name / part, folder / name / part)
    if (staging / MANIFEST).exists():
        _move(staging / MANIFEST, folder / MANIFEST)   # replaces the old one at once
