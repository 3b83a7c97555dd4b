"""The contact search job; importing this module registers it with the worker."""

from __future__ import annotations

from mailroom.context import Context
from mailroom.jobs import queue
from mailroom.jobs.worker import handler
from mailroom.search import service


@handler(service.JOB)
def run_search(ctx: Context, job: queue.Job) -> None:
    """Run one search; safe to run twice (its stored matches are replaced, not added to)."""
    with ctx.db.write() as conn:
        service.run_search(conn, ctx.clock, int(job.payload["report_id"]))
