"""A connection's `rate_per_second` holds across worker processes: its sending time is handed
out in the database (`connection_pace`), a second's worth of slots at a time."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from quota_support import start_mailing, zoned_fixture  # noqa: F401 (fixture)
from sqlalchemy import select

from mailroom.context import Context
from mailroom.db.database import Database
from mailroom.db.tables import connection_pace
from mailroom.sending import deliver
from mailroom.sending import repository as repo
from mailroom.sending.pace import Pacer
from smtp_sink import add_smtp, smtp_fixture  # noqa: F401 (fixture)

SECOND_US = 1_000_000


def reserver(db: Database, connection_id: int, calls: list[int]) -> Callable[[int, int], int]:
    def reserve(now_us: int, span_us: int) -> int:
        calls.append(now_us)
        with db.write() as conn:
            return repo.reserve_pace(conn, connection_id, now_us, span_us)

    return reserve


def test_spans_reserved_by_two_processes_follow_each_other(ctx: Context) -> None:
    other = Database(ctx.settings.database_url)  # a second process's connections
    try:
        with ctx.db.write() as conn:
            first = repo.reserve_pace(conn, 7, 5 * SECOND_US, SECOND_US)
        with other.write() as conn:
            second = repo.reserve_pace(conn, 7, 5 * SECOND_US, SECOND_US)
        with ctx.db.write() as conn:
            third = repo.reserve_pace(conn, 7, 5 * SECOND_US + 10, SECOND_US)
            elsewhere = repo.reserve_pace(conn, 8, 5 * SECOND_US, SECOND_US)  # its own pace
        with other.write() as conn:  # long after: the span starts now, not at the old end
            later = repo.reserve_pace(conn, 7, 60 * SECOND_US, SECOND_US)
    finally:
        other.dispose()
    assert (first, second, third) == (5 * SECOND_US, 6 * SECOND_US, 7 * SECOND_US)
    assert elsewhere == 5 * SECOND_US
    assert later == 60 * SECOND_US


def test_pacers_of_two_processes_never_share_a_second(ctx: Context) -> None:
    """Two processes' pacers on one connection at 100 a second: every slot they hand out is
    10 ms from the next, whoever holds it, so no second ever holds more than 100."""
    other = Database(ctx.settings.database_url)
    slots: list[float] = []
    calls: list[list[int]] = [[], []]

    def recorded(delay: float) -> None:
        slots.append(1000.0 + delay)  # the moment the lane sends: now + its wait

    pacers = [
        Pacer(100, reserver(db, 3, calls[i]), now=lambda: 1000.0, sleep=recorded)
        for i, db in enumerate((ctx.db, other))
    ]
    try:
        for _ in range(150):
            for pacer in pacers:
                before = len(slots)
                pacer.wait()
                if len(slots) == before:  # no wait: the slot is now
                    slots.append(1000.0)
    finally:
        other.dispose()
    ordered = sorted(slots)
    assert len(ordered) == 300
    gaps = [b - a for a, b in itertools.pairwise(ordered)]
    assert min(gaps) > 0.0099  # 10 ms apart, across both processes
    assert ordered[-1] - ordered[0] > 2.98  # 300 messages at 100 a second: 3 seconds
    assert [len(c) for c in calls] == [2, 2]  # one reservation per 100 slots


def test_a_block_that_went_by_unused_is_not_spent_in_a_burst() -> None:
    clock = {"now": 100.0}
    waited: list[float] = []
    free = {"us": 0}

    def reserve(now_us: int, span_us: int) -> int:
        start = max(free["us"], now_us)
        free["us"] = start + span_us
        return start

    pacer = Pacer(10, reserve, now=lambda: clock["now"], sleep=waited.append)
    pacer.wait()  # slot 100.0 of the block [100, 101)
    pacer.wait()  # slot 100.1
    assert waited == [0.1]
    clock["now"] = 500.0  # nothing sent for minutes: the rest of that block went by
    for _ in range(3):
        pacer.wait()
    assert [round(w, 6) for w in waited] == [0.1, 0.1, 0.2]  # a new block, paced from now


def test_no_rate_reserves_nothing() -> None:
    def reserve(now_us: int, span_us: int) -> int:
        raise AssertionError("no rate: nothing to reserve")

    Pacer(None, reserve).wait()
    Pacer(0, reserve).wait()


def test_a_paced_connection_takes_its_slots_from_the_database(
    client: Any, ctx: Context, zoned: Any, ongage_headers: dict[str, str], smtp: Any
) -> None:
    handler, port = smtp
    connection_id = add_smtp(ctx, zoned, port, rate_per_second=1000)
    start_mailing(client, ctx, zoned, ongage_headers, [f"p{i}@x.test" for i in range(5)])
    deliver.deliver(ctx, "w")
    assert len(handler.received) == 5
    with ctx.db.read() as conn:
        row = conn.execute(select(connection_pace)).one()
    assert row.connection_id == connection_id and row.next_us > 0
