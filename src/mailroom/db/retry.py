"""Run a whole transaction again when PostgreSQL aborted it to break a deadlock.

Event batches are stored in contact order (see `activity.service`). Two batches holding the same
events hold their idempotency keys in the same order and cannot deadlock. A deadlock needs one
key reused for a different contact or time in two batches in flight at once. PostgreSQL then
aborts one of them after `deadlock_timeout`, and that transaction, rolled back whole, can simply
run again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

T = TypeVar("T")

DEADLOCK_DETECTED = "40P01"
ATTEMPTS = 3


def is_deadlock(exc: BaseException) -> bool:
    return getattr(getattr(exc, "orig", None), "sqlstate", None) == DEADLOCK_DETECTED


def on_deadlock(run: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """`run()`, which opens and commits its own transaction; again if it was a deadlock's victim."""
    for attempt in range(1, attempts + 1):
        try:
            return run()
        except DBAPIError as exc:
            if attempt == attempts or not is_deadlock(exc):
                raise
    raise AssertionError("unreachable")
