"""A worker loop: claim a job, run its handler, finish or retry it, each in its own transaction."""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable

from mailroom.context import Context
from mailroom.jobs import queue

log = logging.getLogger("mailroom.jobs")

Handler = Callable[[Context, queue.Job], None]

HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of `kind` (domains register theirs in jobs.py)."""

    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_one(ctx: Context, name: str, handlers: dict[str, Handler] | None = None) -> bool:
    """Run at most one ready job; False when there was none."""
    table = handlers if handlers is not None else HANDLERS
    with ctx.db.write() as conn:
        job = queue.claim(conn, ctx.clock, name, kinds=sorted(table))
    if job is None:
        return False
    try:
        table[job.kind](ctx, job)
    except Exception as exc:  # a failing job must not stop the worker
        log.exception("job %s (%s) failed", job.id, job.kind)
        with ctx.db.write() as conn:
            queue.fail(conn, ctx.clock, job, f"{type(exc).__name__}: {exc}")
        return True
    with ctx.db.write() as conn:
        queue.finish(conn, ctx.clock, job.id)
    return True


def run_forever(
    ctx: Context, *, idle_sleep_s: float = 0.5, stop: Callable[[], bool] = lambda: False
) -> None:
    name = worker_name()
    while not stop():
        if not run_one(ctx, name):
            time.sleep(idle_sleep_s)
