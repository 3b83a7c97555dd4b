"""Transaction-scoped advisory locks, where the backend has them.

PostgreSQL's `pg_advisory_xact_lock` (shared or exclusive), released at commit or rollback.
SQLite has one writer at a time, so these take nothing there.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

_SHARED = text("SELECT pg_advisory_xact_lock_shared(:namespace, :key)")
_EXCLUSIVE = text("SELECT pg_advisory_xact_lock(:namespace, :key)")


def _has_advisory_locks(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def hold_shared(conn: Connection, namespace: int, key: int) -> None:
    """Hold (namespace, key) shared until the transaction ends (32-bit signed ints)."""
    if _has_advisory_locks(conn):
        conn.execute(_SHARED, {"namespace": namespace, "key": key})


def hold_exclusive(conn: Connection, namespace: int, key: int) -> None:
    """Hold (namespace, key) exclusive until the transaction ends (32-bit signed ints)."""
    if _has_advisory_locks(conn):
        conn.execute(_EXCLUSIVE, {"namespace": namespace, "key": key})
