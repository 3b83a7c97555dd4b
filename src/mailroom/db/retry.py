"""Run a whole transaction again when PostgreSQL aborted it to break a deadlock.

Event batches are stored in contact order (see `activity.service`). Two batches holding the same
events hold their idempotency keys in the same order and cannot deadlock. A deadlock needs one
key reused for a different contact or time in two batches in flight at once. PostgreSQL then
aborts one of them after `deadlock_timeout`, and that transaction, rolled back whole, can simply
run again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TypeVar

import psycopg
from sqlalchemy.exc import DBAPIError

T = TypeVar("T")

DEADLOCK_DETECTED = "40P01"
ATTEMPTS = 3


def driver_error(exc: BaseException) -> BaseException | None:
    """The database driver's own error behind `exc`: SQLAlchemy wraps it, while the bulk paths
    that run on the driver's cursor (`db.bulk`, `db.driver`) let it through as it is."""
    if isinstance(exc, DBAPIError):
        return exc.orig
    if isinstance(exc, sqlite3.Error | psycopg.Error):
        return exc
    return None


def is_deadlock(exc: BaseException) -> bool:
    return getattr(driver_error(exc), "sqlstate", None) == DEADLOCK_DETECTED


def on_deadlock(run: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """`run()`, which opens and commits its own transaction; again if it was a deadlock's victim."""
    for attempt in range(1, attempts + 1):
        try:
            return run()
        except Exception as exc:
            if attempt == attempts or not is_deadlock(exc):
                raise
    raise AssertionError("unreachable")
