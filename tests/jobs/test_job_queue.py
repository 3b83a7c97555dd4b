"""The durable job table: enqueue, exclusive claims, retries, expired leases, dedupe."""

from __future__ import annotations

import threading
from typing import Any

from mailroom.context import Context
from mailroom.jobs import queue, worker
from mailroom.kit.clock import FrozenClock


def test_claim_runs_due_jobs_in_order(ctx: Context, clock: FrozenClock) -> None:
    with ctx.db.write() as conn:
        first = queue.enqueue(conn, clock, "k", {"n": 1})
        later = queue.enqueue(conn, clock, "k", {"n": 2}, run_at_ms=clock.now_ms() + 5000)
    with ctx.db.write() as conn:
        job = queue.claim(conn, clock, "w1")
        assert job is not None and job.id == first and job.payload == {"n": 1}
        assert queue.claim(conn, clock, "w1") is None  # the other is not due yet
    clock.advance(seconds=5)
    with ctx.db.write() as conn:
        job2 = queue.claim(conn, clock, "w1")
        assert job2 is not None and job2.id == later


def test_dedupe_key_enqueues_once(ctx: Context, clock: FrozenClock) -> None:
    with ctx.db.write() as conn:
        assert queue.enqueue(conn, clock, "k", dedupe_key="report:1") is not None
        assert queue.enqueue(conn, clock, "k", dedupe_key="report:1") is None


def test_failed_job_retries_with_backoff_then_fails(ctx: Context, clock: FrozenClock) -> None:
    calls: list[int] = []

    def boom(_ctx: Context, job: queue.Job) -> None:
        calls.append(job.attempts)
        raise RuntimeError("smtp down")

    with ctx.db.write() as conn:
        job_id = queue.enqueue(conn, clock, "boom", max_attempts=2)
    assert worker.run_one(ctx, "w", {"boom": boom})
    assert not worker.run_one(ctx, "w", {"boom": boom})  # backing off
    clock.advance(seconds=1)
    assert worker.run_one(ctx, "w", {"boom": boom})
    with ctx.db.read() as conn:
        row = queue.get(conn, job_id)  # type: ignore[arg-type]
    assert calls == [1, 2]
    assert row.status == queue.FAILED and "smtp down" in row.error


def test_expired_lease_is_claimed_again(ctx: Context, clock: FrozenClock) -> None:
    """A worker killed mid-job leaves a running row; after the lease it runs again."""
    with ctx.db.write() as conn:
        job_id = queue.enqueue(conn, clock, "k")
        assert queue.claim(conn, clock, "dead", lease_ms=10_000) is not None
    with ctx.db.write() as conn:
        assert queue.claim(conn, clock, "alive") is None
    clock.advance(seconds=11)
    done: list[int] = []
    assert worker.run_one(ctx, "alive", {"k": lambda _c, j: done.append(j.id)})
    with ctx.db.read() as conn:
        assert queue.get(conn, job_id).status == queue.DONE  # type: ignore[arg-type]
    assert done == [job_id]


def test_concurrent_workers_never_share_a_job(ctx: Context, clock: FrozenClock) -> None:
    with ctx.db.write() as conn:
        for n in range(40):
            queue.enqueue(conn, clock, "k", {"n": n})
    seen: list[int] = []
    lock = threading.Lock()

    def record(_ctx: Context, job: queue.Job) -> None:
        with lock:
            seen.append(job.payload["n"])

    def drain() -> None:
        while worker.run_one(ctx, threading.current_thread().name, {"k": record}):
            pass

    threads: list[Any] = [threading.Thread(target=drain) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == list(range(40))
