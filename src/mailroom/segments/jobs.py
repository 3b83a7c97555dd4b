"""The segment count job; importing this module registers it with the worker."""

from __future__ import annotations

from mailroom.context import Context
from mailroom.errors import NotFound, ValidationFailed
from mailroom.jobs import queue
from mailroom.jobs.worker import handler
from mailroom.segments import service


@handler(service.COUNT_JOB)
def count(ctx: Context, job: queue.Job) -> None:
    """Count one segment and keep the count on it; a segment deleted meanwhile, or whose
    criteria no longer compile, is left as it is (counting it again would not help)."""
    account_id, segment_id = int(job.payload["account_id"]), int(job.payload["segment_id"])
    try:
        with ctx.db.read() as conn:
            counts = service.count_segment(conn, ctx.clock, account_id, segment_id, ctx)
        with ctx.db.write() as conn:
            service.keep_count(conn, ctx.clock, account_id, segment_id, counts)
    except (NotFound, ValidationFailed):
        return
