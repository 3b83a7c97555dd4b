"""The replica's feed as a job handler (the worker's schedule runs it every few seconds)."""

from __future__ import annotations

from mailroom.context import Context
from mailroom.jobs import queue
from mailroom.jobs.worker import handler
from mailroom.replica import service

JOB = "replica.feed"


@handler(JOB)
def feed(ctx: Context, job: queue.Job) -> None:
    if service.enabled(ctx):
        service.catch_up(ctx)
