"""Open the replica's DuckDB file, create its tables and read or write its watermarks.

One process at a time may hold a DuckDB file open for writing. A process keeps its connection
open between units of work (a report on a warm connection skips the open and reads row groups
its buffer pool already holds) until it has been idle `KEEP_OPEN_S`, or until another process
asks for the file: a process that finds the file held touches ``<file>.wanted`` and retries,
and the holder lets go at the end of its current unit of work (or within `REAP_S` when idle).
No extension is ever installed or loaded from the network.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from mailroom.config import Settings
from mailroom.db.engine import is_sqlite

# The tables the replica keeps; a schema change bumps VERSION and forces a rebuild.
VERSION = 1
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS events (id BIGINT, account_id BIGINT, list_id BIGINT,"
    " contact_id BIGINT, type SMALLINT, at_ms BIGINT, mailing_id BIGINT, link_id BIGINT,"
    " machine BOOLEAN, details VARCHAR)",
    "CREATE TABLE IF NOT EXISTS contacts (id BIGINT, account_id BIGINT, list_id BIGINT,"
    " email VARCHAR, status VARCHAR, fields VARCHAR, created BIGINT, unsubscribe_date BIGINT,"
    " resubscribe_date BIGINT, bounce_date BIGINT, complaint_date BIGINT)",
    "CREATE TABLE IF NOT EXISTS links (id BIGINT, url VARCHAR)",
    "CREATE TABLE IF NOT EXISTS state (name VARCHAR PRIMARY KEY, value BIGINT)",
    # Gaps in a followed log's ids that a later commit may still fill (PostgreSQL only).
    "CREATE TABLE IF NOT EXISTS holes (log VARCHAR, lo BIGINT, hi BIGINT, seen_ms BIGINT)",
)
_HAS_STATE = "SELECT 1 FROM duckdb_tables() WHERE table_name = 'state'"
CONFIG = {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}
QUIET = "SET enable_progress_bar = false"  # DuckDB's own bar would write to the terminal
LOCK_WAIT_S = 30.0
KEEP_OPEN_S = 30.0  # an idle connection is closed after this long
REAP_S = 0.25  # how often idle or wanted connections are looked at


class Busy(Exception):
    """The replica stayed in use (by this process or another) for longer than the wait."""


# Threads of one process share one DuckDB instance; this keeps them to one writer at a time.
_in_process = threading.RLock()


@dataclass
class _Held:
    conn: duckdb.DuckDBPyConnection
    inode: int
    opened: float  # time.time() of the open, compared with the wanted file's mtime
    last_used: float  # time.monotonic()
    depth: int = 0  # units of work using it now (nested uses share it)


_held: dict[str, _Held] = {}
_reaper: threading.Thread | None = None


def path_of(settings: Settings) -> Path:
    """The replica's file: configured, else beside a SQLite database, else in the cwd."""
    if settings.replica_path:
        return Path(settings.replica_path)
    url = settings.database_url
    if is_sqlite(url) and url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        return Path(url[len("sqlite:///") :].split("?")[0] + ".replica.duckdb")
    return Path("mailroom-replica.duckdb").resolve()


def _busy(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


@contextmanager
def connect(path: Path, *, wait_s: float = LOCK_WAIT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """The replica (its tables created) for this unit of work: this process's open connection
    when it holds one, else a new one, kept open afterwards (see the module's docstring)."""
    deadline = time.monotonic() + wait_s
    if not _in_process.acquire(timeout=max(wait_s, 0.0)):
        raise Busy(f"the replica {path} stayed busy for {wait_s:.1f} s")
    try:
        held = _current(path) or _open(path, deadline)
        held.depth += 1
        ok = False
        try:
            yield held.conn
            ok = True
        finally:
            held.depth -= 1
            held.last_used = time.monotonic()
            if held.depth == 0 and (not ok or KEEP_OPEN_S <= 0 or _wanted(path, held)):
                release(path)  # after a failure its transaction state is unknown
            elif held.depth == 0:
                _start_reaper()
    finally:
        _in_process.release()


def _current(path: Path) -> _Held | None:
    """This process's connection to `path`, unless the file was replaced or removed since."""
    held = _held.get(str(path))
    if held is None:
        return None
    try:
        same = path.stat().st_ino == held.inode
    except OSError:
        same = False
    if same:
        return held
    if held.depth == 0:
        release(path)
        return None
    return held  # a nested use keeps the connection of the unit of work around it


def _open(path: Path, deadline: float) -> _Held:
    while True:
        try:
            conn = duckdb.connect(str(path), config=dict(CONFIG))
            break
        except duckdb.Error as exc:
            if not _busy(exc):
                raise
            if time.monotonic() > deadline:
                raise Busy(f"the replica {path} is held by another process") from exc
            _want(path)
            time.sleep(0.05)
    try:
        conn.execute(QUIET)
        if not conn.execute(_HAS_STATE).fetchone():
            for statement in SCHEMA:
                conn.execute(statement)
    except BaseException:
        conn.close()
        raise
    held = _Held(conn, path.stat().st_ino, time.time(), time.monotonic())
    _held[str(path)] = held
    return held


def _wanted_file(path: Path) -> Path:
    return path.with_name(path.name + ".wanted")


def _want(path: Path) -> None:
    """Ask the process holding the file to let go of it."""
    with contextlib.suppress(OSError):  # a read-only folder: the holder lets go when idle
        _wanted_file(path).touch()


def _wanted(path: Path, held: _Held) -> bool:
    try:
        return _wanted_file(path).stat().st_mtime >= held.opened
    except OSError:
        return False


def release(path: Path) -> None:
    """Close this process's connection to `path`, if it holds one (and no unit uses it)."""
    with _in_process:
        held = _held.get(str(path))
        if held is not None and held.depth == 0:
            del _held[str(path)]
            held.conn.close()


@contextmanager
def holding() -> Iterator[None]:
    """No other thread of this process uses a replica meanwhile."""
    with _in_process:
        yield


def release_all() -> None:
    with _in_process:
        for name in list(_held):
            release(Path(name))


# A DuckDB connection still open while the interpreter tears down can abort the process.
atexit.register(release_all)


def _start_reaper() -> None:
    global _reaper
    if _reaper is None or not _reaper.is_alive():
        _reaper = threading.Thread(target=_reap, name="replica-reaper", daemon=True)
        _reaper.start()


def _reap() -> None:
    """Every `REAP_S`, `reap`; stop when no connection is left open."""
    global _reaper
    while True:
        time.sleep(REAP_S)
        if not _in_process.acquire(blocking=False):
            continue  # in use: the unit's end looks at it
        try:
            if not reap(time.monotonic()):
                _reaper = None  # under the lock: the next unit of work starts another
                return
        finally:
            _in_process.release()


def reap(now: float) -> int:
    """Close the connections idle for `KEEP_OPEN_S` at `now` (monotonic seconds) or wanted by
    another process; how many stay open."""
    with _in_process:
        for name, held in list(_held.items()):
            path = Path(name)
            if held.depth == 0 and (now - held.last_used >= KEEP_OPEN_S or _wanted(path, held)):
                release(path)
        return len(_held)


def memory() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB, for reading report files without touching the replica."""
    conn = duckdb.connect(":memory:", config=dict(CONFIG))
    conn.execute(QUIET)
    return conn


def get(conn: duckdb.DuckDBPyConnection, name: str, default: int = 0) -> int:
    row = conn.execute("SELECT value FROM state WHERE name = ?", [name]).fetchone()
    return int(row[0]) if row is not None else default


def put(conn: duckdb.DuckDBPyConnection, name: str, value: int) -> None:
    put_all(conn, {name: value})


def put_all(conn: duckdb.DuckDBPyConnection, values: dict[str, int]) -> None:
    """Set several watermarks in one statement."""
    if not values:
        return
    rows = ", ".join("(?, ?)" for _ in values)
    params = [x for pair in values.items() for x in pair]
    conn.execute(
        f"INSERT INTO state VALUES {rows} ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        params,
    )


def marks(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Every watermark, by name."""
    return {str(n): int(v) for n, v in conn.execute("SELECT name, value FROM state").fetchall()}
