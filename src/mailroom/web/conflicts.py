"""Run a request again when the database gave up its transaction, and never answer a 500 for it.

A transaction can lose to another one through no fault of its own: PostgreSQL aborts one side of
a deadlock (40P01) or of a serialization conflict (40001), SQLite gives up waiting for the write
lock after its busy timeout. Either way the transaction rolled back whole, so running the request
again is safe. `RetryConflicts` is ASGI middleware around every route: it buffers the request
body, runs the request up to `ATTEMPTS` times while the failure is such a conflict and nothing
has been sent yet, and answers a conflict that persists with 503 and ``Retry-After`` in the
dialect's error shape. Every write path, present and future, inherits this.

It also keeps the promise that bad input is never a 500: a value the database refuses as out of
range (a number past BIGINT, a NUL character on PostgreSQL) that slipped past the edge checks is
answered 400, and logged, because such a value is a gap in validation to close.
"""

from __future__ import annotations

import logging
import sqlite3

import psycopg
from sqlalchemy.exc import DataError, StatementError
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mailroom.db.retry import driver_error
from mailroom.errors import MailroomError, Unavailable
from mailroom.web import errors

log = logging.getLogger("mailroom")

ATTEMPTS = 3
RETRY_AFTER_S = 1
CONFLICT_STATES = frozenset({"40P01", "40001", "55P03"})  # deadlock, serialization, lock
BUSY_MESSAGES = ("database is locked", "database table is locked")
UNAVAILABLE = "The database is busy with conflicting changes; please retry"


def is_conflict(exc: BaseException) -> bool:
    """A transaction the database rolled back to let another one through."""
    orig = driver_error(exc)
    if orig is None:
        return False
    if getattr(orig, "sqlstate", None) in CONFLICT_STATES:
        return True
    return any(text in str(orig) for text in BUSY_MESSAGES)


def is_refused_value(exc: BaseException) -> bool:
    """A value the database cannot store: out of a column's range, or a NUL on PostgreSQL."""
    if isinstance(exc, OverflowError | DataError | sqlite3.DataError | psycopg.DataError):
        return True
    return isinstance(exc, StatementError) and isinstance(exc.orig, OverflowError | ValueError)


class RetryConflicts:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            body = await _read_body(receive)
        except MailroomError as exc:
            await errors.error_response(Request(scope), exc)(scope, receive, send)
            return
        for attempt in range(1, ATTEMPTS + 1):
            started = replayed = False

            async def replay() -> Message:
                nonlocal replayed
                if replayed:  # after the body: the client's disconnect, whenever it comes
                    return await receive()
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}

            async def watched(message: Message) -> None:
                nonlocal started
                started = True
                await send(message)

            try:
                await self.app(scope, replay, watched)
                return
            except Exception as exc:
                if started:
                    raise
                if is_conflict(exc):
                    if attempt < ATTEMPTS:
                        continue
                    log.warning(
                        "conflict persisted on %s %s: %s", scope["method"], scope["path"], exc
                    )
                    response = errors.error_response(
                        Request(scope),
                        Unavailable(UNAVAILABLE, headers={"Retry-After": str(RETRY_AFTER_S)}),
                    )
                elif is_refused_value(exc):
                    log.warning(
                        "value refused by the database on %s %s",
                        scope["method"],
                        scope["path"],
                        exc_info=exc,
                    )
                    response = errors.render(
                        Request(scope),
                        400,
                        "A value is out of range or not storable",
                        [],
                        "bad_request",
                    )
                else:
                    raise
                await response(scope, receive, send)
                return


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
