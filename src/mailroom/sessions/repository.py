"""All SQL of the sessions domain."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, case, delete, insert, select, update

from mailroom.db import backend
from mailroom.db.tables import login_failures, sessions


def insert_session(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(sessions).values(**values))


def get_session(conn: Connection, id_hash: str) -> Any:
    return conn.execute(select(sessions).where(sessions.c.id_hash == id_hash)).first()


def update_session(conn: Connection, id_hash: str, values: dict[str, Any]) -> int:
    result = conn.execute(update(sessions).where(sessions.c.id_hash == id_hash).values(**values))
    return int(result.rowcount)


def delete_session(conn: Connection, id_hash: str) -> int:
    return int(conn.execute(delete(sessions).where(sessions.c.id_hash == id_hash)).rowcount)


def delete_expired(conn: Connection, now_ms: int) -> int:
    return int(conn.execute(delete(sessions).where(sessions.c.expires_ms <= now_ms)).rowcount)


def get_failures(conn: Connection, key: str) -> Any:
    return conn.execute(select(login_failures).where(login_failures.c.key == key)).first()


def ensure_failures(conn: Connection, key: str, now_ms: int) -> None:
    """A zero count for the key unless it has one (concurrent callers do not clash)."""
    backend.insert_ignore(
        conn,
        login_failures,
        [{"key": key, "window_start_ms": now_ms, "failures": 0}],
        index_elements=["key"],
    )


def add_failure(conn: Connection, key: str, now_ms: int, window_ms: int) -> None:
    """One more failure in the key's window, or the first of a new window once it lapsed."""
    lapsed = login_failures.c.window_start_ms + window_ms <= now_ms
    conn.execute(
        update(login_failures)
        .where(login_failures.c.key == key)
        .values(
            failures=case((lapsed, 1), else_=login_failures.c.failures + 1),
            window_start_ms=case((lapsed, now_ms), else_=login_failures.c.window_start_ms),
        )
    )


def delete_failures(conn: Connection, key: str) -> None:
    conn.execute(delete(login_failures).where(login_failures.c.key == key))
