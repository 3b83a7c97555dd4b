"""`db.retry.on_deadlock`: a transaction PostgreSQL aborts to break a deadlock runs again.

The deadlock here is a real one, between two connections inserting the same two keys in
opposite orders; SQLite has one writer at a time and cannot deadlock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from mailroom.context import Context
from mailroom.db import retry

INSERT = "INSERT INTO deadlock_probe (k) VALUES (:k) ON CONFLICT DO NOTHING"


@pytest.fixture
def probe(ctx: Context) -> Iterator[None]:
    if ctx.db.is_sqlite:
        pytest.skip("SQLite runs one writer at a time: no deadlocks")
    with ctx.db.write() as conn:
        conn.execute(text("CREATE TABLE deadlock_probe (k text PRIMARY KEY)"))
    yield
    with ctx.db.write() as conn:
        conn.execute(text("DROP TABLE deadlock_probe"))


def test_the_victim_of_a_deadlock_runs_again_and_both_commit(ctx: Context, probe: None) -> None:
    started, holds_k1 = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    attempts: list[int] = []

    def other() -> None:  # holds k2, then wants k1: the other side of the cycle
        try:
            with ctx.db.write() as conn:
                conn.execute(text("SET LOCAL deadlock_timeout = '10s'"))  # never the victim
                conn.execute(text(INSERT), {"k": "k2"})
                started.set()
                assert holds_k1.wait(10)
                conn.execute(text(INSERT), {"k": "k1"})  # waits for the victim
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    def run() -> int:
        attempts.append(len(attempts) + 1)
        try:
            with ctx.db.write() as conn:
                conn.execute(text("SET LOCAL deadlock_timeout = '100ms'"))
                conn.execute(text(INSERT), {"k": "k1"})
                holds_k1.set()
                conn.execute(text(INSERT), {"k": "k2"})  # waits for `other`: a cycle
        except DBAPIError as exc:
            errors.append(exc)
            raise
        return len(attempts)

    thread = threading.Thread(target=other)
    thread.start()
    assert started.wait(10)
    assert retry.on_deadlock(run) == 2
    thread.join(10)

    assert len(errors) == 1 and retry.is_deadlock(errors[0])
    with ctx.db.read() as conn:
        assert conn.scalars(text("SELECT k FROM deadlock_probe ORDER BY k")).all() == ["k1", "k2"]


def test_other_errors_are_not_retried(ctx: Context, probe: None) -> None:
    calls: list[int] = []

    def run() -> None:
        calls.append(1)
        with ctx.db.write() as conn:
            conn.execute(text("INSERT INTO deadlock_probe (k) VALUES (NULL)"))

    with pytest.raises(DBAPIError) as caught:
        retry.on_deadlock(run)
    assert calls == [1] and not retry.is_deadlock(caught.value)


def test_a_deadlock_raised_by_the_drivers_own_cursor_runs_again() -> None:
    """Bulk paths run on psycopg's cursor, whose errors SQLAlchemy does not wrap."""
    import psycopg

    calls: list[int] = []

    def run() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise psycopg.errors.DeadlockDetected("deadlock detected")
        return len(calls)

    assert retry.on_deadlock(run) == 2
    with pytest.raises(ValueError):  # anything else goes up at once
        retry.on_deadlock(lambda: int("x"))
