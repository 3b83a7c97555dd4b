"""Periodic tasks: one job per period whichever worker sees it; the retention prune on schedule."""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select

from mailroom.accounts.schemas import NewAccount
from mailroom.activity import service as activity_service
from mailroom.activity.jobs import PRUNE_EVERY_S
from mailroom.activity.types import Source
from mailroom.app import create_app
from mailroom.background import load_jobs
from mailroom.context import Context
from mailroom.db.tables import contacts, events, jobs
from mailroom.jobs import queue, worker
from mailroom.jobs.schedule import Periodic, Scheduler
from mailroom.kit import ids
from mailroom.kit.clock import FrozenClock

DAY_MS = 86_400_000
HOUR_MS = 3_600_000


@pytest.fixture
def retained(ctx: Context) -> Context:
    """The context with raw events kept for 30 days, and every domain's jobs registered."""
    load_jobs()
    ctx.settings = dataclasses.replace(ctx.settings, retention_days=30)
    return ctx


def prune_only() -> Scheduler:
    """A scheduler of the prune alone (other domains register tasks of their own)."""
    return Scheduler({"activity.prune": worker.PERIODIC["activity.prune"]})


def add_event(ctx: Context, acc: NewAccount, at_ms: int) -> None:
    now = ctx.clock.now_ms()
    with ctx.db.write() as conn:
        uid = ids.object_id(now)
        conn.execute(
            insert(contacts).values(
                uid=uid,
                account_id=acc.account_id,
                list_id=acc.default_list_id,
                email=f"{uid}@x.test",
                created=now // 1000,
                modified=now // 1000,
            )
        )
        result = activity_service.ingest(
            conn,
            ctx.clock,
            acc.account_id,
            [{"type": "em_sends", "contact_id": uid, "at": at_ms}],
            source=Source.IMPORT,
        )
    assert result.rejected == []


def event_count(ctx: Context) -> int:
    with ctx.db.read() as conn:
        return int(conn.scalar(select(func.count()).select_from(events)) or 0)


def prune_jobs(ctx: Context) -> list[Any]:
    with ctx.db.read() as conn:
        return list(conn.execute(select(jobs).where(jobs.c.kind == "activity.prune")))


def drain(ctx: Context, name: str) -> int:
    ran = 0
    while worker.run_one(ctx, name):
        ran += 1
    return ran


def test_prune_runs_when_due_and_not_before(
    retained: Context, clock: FrozenClock, account: NewAccount
) -> None:
    ctx = retained
    add_event(ctx, account, clock.now_ms() - 40 * DAY_MS)
    add_event(ctx, account, clock.now_ms() - 30 * DAY_MS + HOUR_MS // 2)
    scheduler = prune_only()
    assert scheduler.enqueue_due(ctx) == 1  # the first period is due at once
    assert drain(ctx, "w1") == 1
    assert event_count(ctx) == 1  # the 40-day-old event went, the younger one stays

    clock.advance(ms=PRUNE_EVERY_S * 1000 - 1)  # the younger one is past 30 days now
    assert scheduler.enqueue_due(ctx) == 0
    assert drain(ctx, "w1") == 0
    assert event_count(ctx) == 1
    clock.advance(ms=1)  # the next period begins
    assert scheduler.enqueue_due(ctx) == 1
    assert drain(ctx, "w1") == 1
    assert event_count(ctx) == 0
    assert [row.status for row in prune_jobs(ctx)] == [queue.DONE, queue.DONE]


def test_two_workers_run_each_period_once(
    retained: Context, clock: FrozenClock, account: NewAccount
) -> None:
    ctx = retained
    first, second = prune_only(), prune_only()
    assert first.enqueue_due(ctx) == 1
    assert second.enqueue_due(ctx) == 0  # another process sees the same period: no second job
    assert drain(ctx, "w1") == 1
    assert drain(ctx, "w2") == 0
    clock.advance(seconds=PRUNE_EVERY_S)
    assert second.enqueue_due(ctx) == 1
    assert first.enqueue_due(ctx) == 0
    assert drain(ctx, "w2") + drain(ctx, "w1") == 1
    assert len(prune_jobs(ctx)) == 2


def test_concurrent_workers_share_one_job_per_period(ctx: Context, clock: FrozenClock) -> None:
    runs: list[int] = []
    lock = threading.Lock()

    def count(_ctx: Context, job: queue.Job) -> None:
        with lock:
            runs.append(job.payload["period_start_ms"])

    tasks = {"tick": Periodic("tick", 60_000, lambda _s: True)}

    def one_worker() -> None:
        scheduler = Scheduler(tasks)
        for _ in range(3):
            scheduler.enqueue_due(ctx)
            while worker.run_one(ctx, threading.current_thread().name, {"tick": count}):
                pass

    threads = [threading.Thread(target=one_worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert runs == [clock.now_ms() // 60_000 * 60_000]


def test_disabled_task_enqueues_nothing(ctx: Context) -> None:
    load_jobs()  # retention_days is 0 in the test settings: the prune is off
    assert prune_only().enqueue_due(ctx) == 0
    assert prune_jobs(ctx) == []


def test_serve_runs_a_worker_in_process_unless_turned_off(
    retained: Context, clock: FrozenClock, account: NewAccount
) -> None:
    ctx = retained
    add_event(ctx, account, clock.now_ms() - 40 * DAY_MS)
    with TestClient(create_app(ctx)):
        time.sleep(0.3)  # would give an in-process worker time to run; none is started
    assert prune_jobs(ctx) == [] and event_count(ctx) == 1

    ctx.settings = dataclasses.replace(ctx.settings, inprocess_worker=True)
    with TestClient(create_app(ctx)):
        deadline = time.monotonic() + 20
        while event_count(ctx) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert event_count(ctx) == 0
    assert [row.status for row in prune_jobs(ctx)] == [queue.DONE]
    assert not [t for t in threading.enumerate() if t.name == "mailroom-worker"]


def test_inprocess_worker_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from mailroom.config import Settings

    monkeypatch.delenv("MAILROOM_INPROCESS_WORKER", raising=False)
    assert Settings.from_env().inprocess_worker is True
    monkeypatch.setenv("MAILROOM_INPROCESS_WORKER", "0")
    assert Settings.from_env().inprocess_worker is False
