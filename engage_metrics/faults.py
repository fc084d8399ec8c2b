"""What can go wrong with the store file, told apart by DuckDB's error types and by what the
file system says — never by the words of an error message.

What DuckDB 2.0 raises for each fault of a store file (tried, and kept true by
tests/test_faults.py and tests/test_store_fuzz.py):

- **another process holds the file**: ``duckdb.IOException`` when opening it. A file cut
  short, or one that is not a database, raises the same type; what tells them apart is
  the other process's lock on the file, which :func:`lock_holder` asks the operating
  system for.
- **a block fails its checksum**: DuckDB keeps a checksum in every 256 KiB block of the file
  and in each of its two database headers, and checks it on every read. A changed byte in a
  block that is read raises ``duckdb.Error`` itself (no subclass) — when opening the file for
  the blocks opening reads, later for the others. A changed byte is never read as another
  value; bytes in free space (or past the last block) are never read at all.
- **the file is cut short**: ``duckdb.IOException`` when opening it or when a query reaches
  the missing blocks. The file is then shorter than the blocks DuckDB counts in it.
- **a write fails** (a full disk, a file-size limit): ``duckdb.IOException`` inside the
  transaction, ``duckdb.TransactionException`` at COMMIT, or ``duckdb.FatalException`` when
  the commit's checkpoint fails — after which DuckDB refuses every statement until the file
  is opened again. DuckDB does not give back the blocks a failed write added at the end of
  the file; :func:`trim` does, when it is safe (see there).

Every fault becomes a :class:`StoreError` whose message is one line saying what happened
and what to do: a damaged file points to ``engage restore``.
"""
from __future__ import annotations

import os
import shutil
import struct
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

# The bytes before the first block: DuckDB's main header and its two database headers.
BLOCKS_START = 3 * 4096
MAGIC, MAGIC_AT = b"DUCK", 8          # where DuckDB marks a file as one of its databases
RESTORE = ("Keep the file, and restore your latest backup into a new one — engage restore "
           "--db NEW.duckdb --from BACKUP (a backup folder or the dashboard's backup zip) — "
           "then use the new file (--db or ENGAGE_DB).")


class StoreError(RuntimeError):
    """The store cannot be used as it is; the message says why and what to do.

    The message names the file (the CLI's user typed that path); :attr:`public` says the
    same for the dashboard, whose users must not learn where the server keeps its files:
    no path, no DuckDB wording (which quotes paths and process ids)."""

    def __init__(self, message: str, public: str | None = None) -> None:
        super().__init__(message)
        self.public = public or ("The Engage database cannot be used right now. Ask the "
                                 "person who runs this Engage server; its log says why.")


class StoreBusy(StoreError):
    """The database file is held open by another process."""


class StoreTooNew(StoreError):
    """The database file was written by a newer Engage (a higher schema version)."""


class StoreDamaged(StoreError):
    """The database file is damaged (cut short, or a block fails its checksum)."""


@dataclass(frozen=True)
class Before:
    """The store as a write found it: its file ("" in memory), the file's size and the
    data version (None when unknown)."""

    path: str
    size: int | None = None
    version: int | None = None


class StoreWriteFailed(StoreError):
    """A write could not be completed; *stopped*: DuckDB refuses every statement until the
    file is opened again (a FatalException)."""

    def __init__(self, message: str, before: Before, reason: str, stopped: bool) -> None:
        super().__init__(message, "A change could not be saved to the Engage database; "
                         "the numbers shown are what it held before. Ask the person who "
                         "runs this Engage server: its log says why (a full disk, most "
                         "often).")
        self.before, self.reason, self.stopped = before, reason, stopped


def first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def store_path(con: duckdb.DuckDBPyConnection) -> str:
    """The file of *con*'s database ("" in memory, or when DuckDB cannot say)."""
    rows = _ask(con, "SELECT path FROM duckdb_databases() "
                     "WHERE database_name = current_database()")
    return str(rows[0][0] or "") if rows else ""


def _ask(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    """*sql*'s rows, asked on a cursor of its own: *con*'s transaction may be the one a
    fault just aborted (DuckDB then refuses every statement in it). [] when DuckDB cannot
    answer."""
    try:
        with con.cursor() as cur:
            return cur.execute(sql).fetchall()
    except duckdb.Error:
        return []


# ---------------------------------------------------------------- what the file system says

_FLOCK = {"linux": "hhqqi", "darwin": "qqihh"}     # struct flock, field order by platform


def _platform() -> str:
    return "linux" if sys.platform.startswith("linux") else sys.platform


try:
    import fcntl as _fcntl  # noqa: F401 - only whether it exists
    CAN_ASK_LOCKS = _platform() in _FLOCK
except ImportError:          # Windows: a busy file and a damaged one cannot be told apart
    CAN_ASK_LOCKS = False


def lock_holder(path: str | Path) -> int | None:
    """The process id of another process holding a lock on *path* (DuckDB locks its file
    with fcntl: exclusively read-write, shared read-only), else None. None also where the
    operating system cannot be asked (see :data:`CAN_ASK_LOCKS`).

    Asked only after opening *path* failed: closing the descriptor opened here releases
    every fcntl lock this process holds on the file, and it then holds none."""
    if not CAN_ASK_LOCKS:
        return None
    import fcntl

    layout = _FLOCK[_platform()]
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fields = {"linux": (fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0),
                  "darwin": (0, 0, 0, fcntl.F_WRLCK, os.SEEK_SET)}[_platform()]
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, struct.pack(layout, *fields))
    except OSError:
        return None
    finally:
        os.close(fd)
    values = struct.unpack(layout, answer)
    kind, pid = (values[0], values[4]) if _platform() == "linux" else (values[3], values[2])
    return pid if kind != fcntl.F_UNLCK and pid > 0 else None



def is_duckdb_file(path: str | Path) -> bool:
    """Whether *path* starts like a DuckDB database (its magic bytes)."""
    try:
        with open(path, "rb") as f:
            return f.read(MAGIC_AT + len(MAGIC))[MAGIC_AT:] == MAGIC
    except OSError:
        return False


def cut_short(con: duckdb.DuckDBPyConnection, path: str) -> bool:
    """Whether the file is shorter than the blocks DuckDB counts in it."""
    rows = _ask(con, "SELECT total_blocks, block_size FROM pragma_database_size() "
                     "WHERE database_name = current_database()")
    try:
        return bool(rows) and os.path.getsize(path) < BLOCKS_START + rows[0][0] * rows[0][1]
    except OSError:
        return False


def free_space(path: str | Path) -> str:
    """'The disk holding it has 12.3 MB free' (empty when it cannot be told)."""
    try:
        free = shutil.disk_usage(Path(path).resolve().parent).free
    except OSError:
        return ""
    return f"The disk holding it has {size_text(free)} free"


def size_text(n: int) -> str:
    return f"{n / 1e9:,.1f} GB" if n >= 1e9 else f"{n / 1e6:,.1f} MB"


# ---------------------------------------------------------------- the faults, named

def damaged(path: str | Path, exc: BaseException) -> StoreDamaged:
    return StoreDamaged(f"{path} is damaged: DuckDB cannot read part of it ({first_line(exc)}). "
                        f"Nothing was changed. {RESTORE}",
                        "The Engage database is damaged: part of it cannot be read, and "
                        "nothing was changed. Ask the person who runs this Engage server to "
                        "restore the latest backup into a new file (engage restore --db "
                        "NEW.duckdb --from BACKUP); the server's log names the file.")


def opening_error(path: str | Path, exc: duckdb.Error) -> StoreError:
    """What opening *path* failing with *exc* means."""
    reason = first_line(exc)
    if isinstance(exc, duckdb.IOException) and (pid := lock_holder(path)) is not None:
        return StoreBusy(
            f"{path} is open in another Engage process (process {pid}: the dashboard or an "
            "import). Close it, or import through the dashboard's Data page, then try again.",
            "The Engage database is busy: another Engage program on the server (an "
            "import, or a second dashboard) has it open. Try again in a few minutes; "
            "if it stays busy, ask the person who runs this Engage server.")
    if type(exc) is duckdb.Error:                       # a block failed its checksum
        return damaged(path, exc)
    if isinstance(exc, duckdb.IOException) and os.path.isfile(path) \
            and os.access(path, os.R_OK | os.W_OK):
        if not is_duckdb_file(path):
            return StoreError(
                f"cannot open {path} as an Engage database ({reason}). Check the path "
                f"(ENGAGE_DB or --db); if it is your store, it is damaged. {RESTORE}")
        if CAN_ASK_LOCKS:                               # no other process holds it
            return damaged(path, exc)
        return StoreError(
            f"cannot open {path} ({reason}): another Engage process has it open, or it is "
            f"damaged. Close the dashboard or import holding it and try again; if none "
            f"does, {RESTORE[0].lower()}{RESTORE[1:]}")
    return StoreError(f"cannot open {path} as an Engage database ({reason}). Check the path "
                      "(ENGAGE_DB or --db), or restore a backup into a new file.")


def store_fault(exc: BaseException, con: duckdb.DuckDBPyConnection | None = None,
                path: str | Path | None = None) -> StoreError | None:
    """The store fault behind a DuckDB error raised while the store was open (None when
    *exc* is not one: a mistake in a query is not the store's fault)."""
    if isinstance(exc, StoreError):
        return exc
    if not isinstance(exc, duckdb.Error):
        return None
    where = str(path) if path else (store_path(con) if con is not None else "") or "the database"
    if isinstance(exc, duckdb.FatalException):
        return StoreWriteFailed(
            f"DuckDB stopped {where} after a failed write ({first_line(exc)}); open it again "
            "(restart the dashboard, or run any engage command) and check what it holds.",
            Before(str(path or (store_path(con) if con is not None else ""))),
            first_line(exc), stopped=True)
    if type(exc) is duckdb.Error:                       # a block failed its checksum
        return damaged(where, exc)
    if isinstance(exc, duckdb.IOException) and not isinstance(exc, duckdb.HTTPException):
        if con is not None and where != "the database" and cut_short(con, where):
            return damaged(where, exc)
        space = free_space(where) if where != "the database" else ""
        return StoreError(f"DuckDB could not read or write a file of {where} "
                          f"({first_line(exc)}); nothing was changed."
                          + (f" {space}: check the disk, then try again." if space else ""))
    return None


def explain(exc: BaseException, con: duckdb.DuckDBPyConnection | None = None,
            path: str | Path | None = None) -> StoreError | None:
    """The store fault behind *exc* or the exceptions it was raised during: a StoreError
    met on the way first (the cleanup after a failed write may raise DuckDB's "database
    invalidated" on top of it), else the first DuckDB error that is one."""
    chain = list(_chain(exc))
    found = next((e for e in chain if isinstance(e, StoreError)), None)
    if found is not None:
        return found
    return next((f for e in chain if (f := store_fault(e, con, path)) is not None), None)


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


@contextmanager
def reading(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Turn a store fault met while reading into its StoreError (other errors pass)."""
    try:
        yield
    except duckdb.Error as exc:
        fault = store_fault(exc, con)
        if fault is None:
            raise
        raise fault from exc


# ---------------------------------------------------------------- a failed write

def before_write(con: duckdb.DuckDBPyConnection) -> Before:
    """What a write needs to know to tell, should it fail, whether anything changed."""
    path = store_path(con)
    size = os.path.getsize(path) if path and os.path.isfile(path) else None
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
        version = int(row[0]) if row else None
    except duckdb.Error:      # a store being created has no meta table yet
        version = None
    return Before(path, size, version)


def write_fault(exc: BaseException, before: Before, committing: bool = False
                ) -> StoreError | None:
    """The StoreError for a write (its transaction rolled back) that failed with *exc*;
    None when *exc* is not a fault of the store (bad input, a mistake in a query)."""
    if isinstance(exc, StoreError) or not isinstance(exc, duckdb.Error):
        return None
    if type(exc) is duckdb.Error:                       # a block read on the way is damaged
        return damaged(before.path or "the database", exc)
    if not (committing or isinstance(exc, (duckdb.IOException, duckdb.FatalException))):
        return None
    stopped = isinstance(exc, duckdb.FatalException)
    where = before.path or "the database"
    outcome = ("DuckDB stopped the database: open it again to check what it holds "
               "(Engage does so at once on the command line and in the dashboard)" if stopped
               else "nothing of it was saved: the store holds what it held before")
    return StoreWriteFailed(
        f"the change could not be written to {where} ({first_line(exc)}); {outcome}."
        + _space_advice(before), before, first_line(exc), stopped)


def _space_advice(before: Before) -> str:
    space = free_space(before.path) if before.path else ""
    return f" {space}: if it is full, make room, then try again." if space else ""


def outcome_after_reopening(fault: StoreWriteFailed, version: int | None, given_back: int,
                            left: int) -> str:
    """The one-line message of a failed write once the file was opened again: whether the
    change landed after all, and what became of the space the write took in the file."""
    where = fault.before.path or "the database"
    head = f"the change could not be written to {where} ({fault.reason})"
    if fault.before.version is not None and version is not None \
            and version != fault.before.version:
        said = (f"{head}, but DuckDB had saved it before failing: opened again, the store "
                "holds it (see the import history).")
    else:
        said = f"{head}; nothing of it was saved: the store holds what it held before."
    if given_back:
        said += f" The {size_text(given_back)} the failed write took in the file were given back."
    elif left:
        said += (f" The failed write left {size_text(left)} unused at the end of the file; to "
                 "give it back, back up the store and restore the backup into a new file "
                 "(engage backup, then engage restore).")
    return said + _space_advice(fault.before)


def trim(before: Before, total_blocks: int, block_size: int) -> tuple[int, int]:
    """Give back what a failed write added at the end of the file: (bytes given back, bytes
    left). Call with the file closed by everyone and its WAL gone (opened and closed again
    after the failure), when the write's change did not land.

    Safe because both bounds hold: no block DuckDB counts in the file lies past
    ``BLOCKS_START + total_blocks * block_size``, and the file held everything it needed at
    its size before the write (``before.size``), which only the failed write grew."""
    if not before.path or before.size is None or not os.path.isfile(before.path):
        return 0, 0
    size = os.path.getsize(before.path)
    keep = max(BLOCKS_START + total_blocks * block_size, before.size)
    if size <= keep:
        return 0, 0
    wal = Path(before.path + ".wal")
    if wal.exists() and wal.stat().st_size:
        return 0, size - keep
    os.truncate(before.path, keep)
    return size - keep, 0
