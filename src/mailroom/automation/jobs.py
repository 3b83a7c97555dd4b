"""The automation preview job; importing this module registers it with the worker."""

from __future__ import annotations

from mailroom.automation import preview_store
from mailroom.context import Context
from mailroom.errors import NotFound, ValidationFailed
from mailroom.jobs import queue
from mailroom.jobs.worker import handler


@handler(preview_store.JOB)
def compute_preview(ctx: Context, job: queue.Job) -> None:
    """Compute and keep one event's preview; an event deleted meanwhile is left alone."""
    try:
        with ctx.db.write() as conn:
            preview_store.compute(
                conn, ctx.clock, int(job.payload["account_id"]), int(job.payload["event_id"])
            )
    except (NotFound, ValidationFailed):
        return
