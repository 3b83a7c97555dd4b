"""Open the replica's DuckDB file, create its tables and read or write its watermarks.

One process at a time may hold a DuckDB file open for writing, so every use opens the file,
does its work and closes it; a process that finds the file held by another waits and retries.
No extension is ever installed or loaded from the network.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
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

# Threads of one process share one DuckDB instance; this keeps them to one writer at a time.
_in_process = threading.RLock()


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
    """The replica, opened for this unit of work (its tables created), closed afterwards."""
    deadline = time.monotonic() + wait_s
    with _in_process:
        while True:
            try:
                conn = duckdb.connect(str(path), config=dict(CONFIG))
                break
            except duckdb.Error as exc:
                if not _busy(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        try:
            conn.execute(QUIET)
            if not conn.execute(_HAS_STATE).fetchone():
                for statement in SCHEMA:
                    conn.execute(statement)
            yield conn
        finally:
            conn.close()


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
