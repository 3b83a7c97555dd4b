"""Daily quotas hold across worker processes: a connection's `daily_quota` and an event's
`esp_connections_quota` are counted in the database (`quota_usage`), so two workers together
never send more than the quota, and send all of it when more is due."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from quota_support import at, event_with_quota, start_mailing, statuses, used, zoned_fixture  # noqa: F401 (fixture)
from sqlalchemy import select

from mailroom.context import Context
from mailroom.db import backend
from mailroom.db.database import Database
from mailroom.db.tables import quota_usage
from mailroom.sending import deliver
from mailroom.sending import repository as repo
from mailroom.sending.jobs import automation_minute
from smtp_sink import (
    Handler,
    add_people,
    add_smtp,
    free_port,
    smtp_fixture,  # noqa: F401 (fixture)
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "automation"))
from automation_support import CONNECTION, seed_documented_ids

ROOT = Path(__file__).resolve().parents[2]


class SlowHandler(Handler):
    """Takes a few ms over each message without blocking the server's loop, so two workers'
    batches overlap: each has messages in flight while the other takes its places."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.005)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture(name="slow_smtp")
def slow_smtp_fixture() -> Iterator[tuple[Handler, int]]:
    handler = SlowHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def two_workers(ctx: Context, limit: int = 10) -> int:
    """Deliver with two workers at once, each with its own database connections (as two
    processes would), two lanes each; how many sends they handled."""
    settings = replace(ctx.settings, send_lanes=2)
    contexts = [Context(settings, Database(settings.database_url), ctx.clock) for _ in "ab"]
    counts: list[int] = []
    failures: list[BaseException] = []

    def work(c: Context, name: str) -> None:
        try:
            counts.append(deliver.deliver(c, name, limit=limit))
        except BaseException as exc:  # reported by the test, not lost in the thread
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(c, f"w{i}")) for i, c in enumerate(contexts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for c in contexts:
        c.db.dispose()
    assert not failures, failures
    return sum(counts)


def test_two_workers_send_exactly_a_connection_daily_quota_then_the_next_day_again(
    client: Any,
    ctx: Context,
    zoned: Any,
    ongage_headers: dict[str, str],
    slow_smtp: Any,
) -> None:
    handler, port = slow_smtp
    connection = add_smtp(ctx, zoned, port, daily_quota=25)
    start_mailing(client, ctx, zoned, ongage_headers, [f"d{i}@x.test" for i in range(70)])
    assert two_workers(ctx) == 70
    assert len(handler.received) == 25  # never more, and all of it: more was due
    assert used(ctx, (connection, 0), at("2026-01-01T00:00:00")) == 25
    waiting = statuses(ctx)
    assert len(waiting["sent"]) == 25
    # the rest waits for the account's next day (midnight in New York, not in UTC)
    assert waiting["queued"] == [at("2026-01-02T00:00:00")] * 45

    ctx.clock.set(at("2026-01-02T00:30:00"))  # type: ignore[attr-defined]
    two_workers(ctx)
    assert len(handler.received) == 50  # the quota starts again on the account's next day
    assert used(ctx, (connection, 0), at("2026-01-02T00:00:00")) == 25
    assert len({r.recipient for r in handler.received}) == 50  # nobody twice


def test_two_workers_send_exactly_an_event_connection_quota(
    client: Any,
    ctx: Context,
    zoned: Any,
    ongage_headers: dict[str, str],
    slow_smtp: Any,
) -> None:
    handler, port = slow_smtp
    seed_documented_ids(ctx, zoned, port=port)
    add_people(ctx, zoned, [f"e{i}@x.test" for i in range(40)])
    event = event_with_quota(client, ongage_headers, 15)
    ctx.clock.set(at("2026-01-01T20:00:00"))  # type: ignore[attr-defined]
    automation_minute(ctx)
    two_workers(ctx)
    assert len(handler.received) == 15
    assert used(ctx, (CONNECTION, event), at("2026-01-01T00:00:00")) == 15
    assert used(ctx, (CONNECTION, 0), at("2026-01-01T00:00:00")) is None  # no daily_quota

    ctx.clock.set(at("2026-01-02T20:00:00"))  # type: ignore[attr-defined]
    automation_minute(ctx)  # 25 deferred and 40 new: 15 go
    two_workers(ctx)
    assert len(handler.received) == 30
    assert used(ctx, (CONNECTION, event), at("2026-01-02T00:00:00")) == 15


@pytest.mark.parametrize(
    ("stage", "reply"),
    [("rcpt", "550 no such user"), ("rcpt", "451 try later"), ("data", "554 refused")],
)
def test_a_place_given_back_after_a_refusal_is_used_again_that_day(
    client: Any,
    ctx: Context,
    zoned: Any,
    ongage_headers: dict[str, str],
    smtp: Any,
    stage: str,
    reply: str,
) -> None:
    handler, port = smtp
    refused = "r1@x.test"

    def hook(address: str) -> str | None:
        return reply if address == refused else None

    if stage == "rcpt":
        handler.rcpt_reply = hook
    else:  # refused after the send was marked as being handed over
        handler.data_hook = hook
    connection = add_smtp(ctx, zoned, port, daily_quota=3)
    start_mailing(client, ctx, zoned, ongage_headers, [f"r{i}@x.test" for i in range(5)])
    deliver.deliver(ctx, "w")
    today = at("2026-01-01T00:00:00")
    assert sorted(r.recipient for r in handler.received) == ["r0@x.test", "r2@x.test"]
    assert used(ctx, (connection, 0), today) == 2  # the refused one's place came back
    # the same day, another mailing through the connection gets that place
    start_mailing(client, ctx, zoned, ongage_headers, ["late@late.test", "later@late.test"])
    deliver.deliver(ctx, "w")
    assert len(handler.received) == 3 and handler.to("late@late.test")
    assert used(ctx, (connection, 0), today) == 3


def test_sends_without_a_quota_take_no_place(
    client: Any, ctx: Context, zoned: Any, ongage_headers: dict[str, str], smtp: Any
) -> None:
    handler, port = smtp
    add_smtp(ctx, zoned, port)
    start_mailing(client, ctx, zoned, ongage_headers, [f"n{i}@x.test" for i in range(5)])
    deliver.deliver(ctx, "w")
    assert len(handler.received) == 5
    with ctx.db.read() as conn:
        assert conn.execute(select(quota_usage)).all() == []


def test_racing_takes_never_pass_a_quota(ctx: Context) -> None:
    """Four connections take places in blocks of 7 until none is left: together exactly the
    quota, whoever wins each race."""
    day = at("2026-01-01T00:00:00")
    with ctx.db.write() as conn:
        assert repo.take_places(conn, (9, 0), day, 7, 100) is None  # no row for the day yet
        repo.open_day(conn, (9, 0), day, 0)
        repo.open_day(conn, (9, 0), day, 50)  # made already: left as it is
    taken: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        db = Database(ctx.settings.database_url)
        try:
            while True:
                with backend.writer_queue(db.engine), db.write() as conn:
                    got = repo.take_places(conn, (9, 0), day, 7, 100)
                if not got:
                    return
                with lock:
                    taken.append(got)
        finally:
            db.dispose()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(taken) == 100
    assert sorted(taken)[0] == 100 - 7 * 14  # the last block is what was left
    assert used(ctx, (9, 0), day) == 100


def test_places_of_a_killed_worker_count_as_used_that_day(
    client: Any,
    ctx: Context,
    zoned: Any,
    ongage_headers: dict[str, str],
    smtp: Any,
) -> None:
    """A worker killed with places reserved (its batch of 5 in flight) loses them for the day:
    the quota errs on sending fewer. The next day the rest goes, nobody twice."""
    handler, port = smtp
    connection = add_smtp(ctx, zoned, port, daily_quota=15)
    start_mailing(client, ctx, zoned, ongage_headers, [f"k{i}@x.test" for i in range(20)])
    victim = "k7@x.test"
    running: dict[str, subprocess.Popen[bytes]] = {}

    def rcpt(address: str) -> str | None:
        if address == victim and "killed" not in running:
            running["killed"] = running["worker"]
            os.kill(running["worker"].pid, signal.SIGKILL)
            running["worker"].wait()
            return "451 gone"
        return None

    handler.rcpt_reply = rcpt

    def run(now_ms: int) -> int:
        url = ctx.settings.database_url
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.sending.worker_process", url, str(now_ms)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        running["worker"] = proc
        proc.communicate(timeout=120)
        return proc.returncode

    today = at("2026-01-01T00:00:00")
    assert run(ctx.clock.now_ms()) == -signal.SIGKILL
    reserved = used(ctx, (connection, 0), today)
    # whole batches of 5 reserved: more than arrived (the victim's place, at least, is held)
    assert reserved is not None and reserved % 5 == 0 and reserved > len(handler.received)
    lease_ms = ctx.settings.send_lease_s * 1000
    assert run(ctx.clock.now_ms() + lease_ms + 1000) == 0
    arrived = len(handler.received)
    assert used(ctx, (connection, 0), today) == 15
    assert arrived < 15  # the victim's place (not handed over) went with the killed worker
    waiting = statuses(ctx)
    assert set(waiting) == {"sent", "unknown", "queued"} or set(waiting) == {"sent", "queued"}
    assert set(waiting["queued"]) == {at("2026-01-02T00:00:00")}  # the account's next day

    handler.rcpt_reply = lambda address: None
    assert run(at("2026-01-02T09:00:00")) == 0
    per_address = Counter(r.recipient for r in handler.received)
    assert set(per_address.values()) == {1}  # nobody twice
    done = statuses(ctx)
    assert set(done) <= {"sent", "unknown"}  # the unknown (maybe accepted) are not sent again
    assert len(per_address) >= len(done["sent"])


def test_two_worker_processes_never_pass_a_daily_quota(
    client: Any,
    ctx: Context,
    zoned: Any,
    ongage_headers: dict[str, str],
    slow_smtp: Any,
) -> None:
    """Two real processes deliver at once (batches of 5, overlapping on a slow server): together
    they send the quota exactly, nobody twice, and the rest waits for the next day."""
    handler, port = slow_smtp
    connection = add_smtp(ctx, zoned, port, daily_quota=12)
    start_mailing(client, ctx, zoned, ongage_headers, [f"p{i}@x.test" for i in range(40)])
    url, now = ctx.settings.database_url, str(ctx.clock.now_ms())
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.sending.worker_process", url, now],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in "ab"
    ]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outputs
    handled = [int(out.split()[-1]) for out, _ in outputs]
    assert sum(handled) == 40  # every send handled once
    assert len(handler.received) == 12
    assert len({r.recipient for r in handler.received}) == 12
    assert used(ctx, (connection, 0), at("2026-01-01T00:00:00")) == 12
    assert statuses(ctx)["queued"] == [at("2026-01-02T00:00:00")] * 28
