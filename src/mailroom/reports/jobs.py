"""The report jobs: an activity report (its lease kept alive while it computes) and a search."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from mailroom.context import Context
from mailroom.jobs import queue
from mailroom.jobs.worker import handler
from mailroom.reports import search, service

LEASE_MS = 60_000
BEAT_S = 10.0


@contextmanager
def leased(ctx: Context, job: queue.Job) -> Iterator[None]:
    """Extend the job's lease every few seconds until the block ends.

    A live worker keeps its claim however long the report takes, so no second worker starts
    the same report; a killed worker stops extending and its lease runs out.
    """
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(BEAT_S):
            with ctx.db.write() as conn:
                queue.extend(conn, ctx.clock, job.id, LEASE_MS)

    thread = threading.Thread(target=beat, name=f"lease-{job.id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@handler(service.JOB)
def run_report(ctx: Context, job: queue.Job) -> None:
    with leased(ctx, job):
        service.run_report(
            ctx, int(job.payload["report_id"]), last_attempt=job.attempts >= job.max_attempts
        )


@handler(search.JOB)
def run_search(ctx: Context, job: queue.Job) -> None:
    """Run one search; safe to run twice (its stored matches are replaced, not added to)."""
    with ctx.db.write() as conn:
        search.run_search(conn, ctx.clock, int(job.payload["report_id"]))
