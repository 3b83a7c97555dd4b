"""A worker loop: claim a job, run its handler, finish or retry it, each in its own transaction.

Domains register handlers and periodic tasks in their own ``jobs.py``; `mailroom.background`
imports all of them, so a worker sees every kind.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable

from mailroom.config import Settings
from mailroom.context import Context
from mailroom.jobs import queue
from mailroom.jobs.schedule import Periodic, Scheduler

log = logging.getLogger("mailroom.jobs")

Handler = Callable[[Context, queue.Job], None]

HANDLERS: dict[str, Handler] = {}
PERIODIC: dict[str, Periodic] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of `kind` (domains register theirs in jobs.py)."""

    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


def periodic(
    name: str, *, every_s: int, enabled: Callable[[Settings], bool] = lambda _settings: True
) -> Callable[[Callable[[Context], None]], Callable[[Context], None]]:
    """Register a task run once per `every_s` seconds by one of the workers (job kind `name`)."""

    def register(fn: Callable[[Context], None]) -> Callable[[Context], None]:
        PERIODIC[name] = Periodic(name, every_s * 1000, enabled)
        HANDLERS[name] = lambda ctx, _job: fn(ctx)
        return fn

    return register


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


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


# Set when this process enqueued a job: its idle worker wakes at once instead of after its sleep.
_nudged = threading.Event()


def nudge() -> None:
    """Wake this process's idle worker (call after committing a job it should run soon)."""
    _nudged.set()


def run_forever(
    ctx: Context,
    *,
    idle_sleep_s: float = 0.5,
    stop: threading.Event | None = None,
    scheduler: Scheduler | None = None,
) -> None:
    """Enqueue due periodic tasks and run jobs until `stop` is set; sleep while there is none."""
    stop = stop or threading.Event()
    scheduler = scheduler or Scheduler(PERIODIC)
    name = worker_name()
    while not stop.is_set():
        _nudged.clear()  # before looking for work: a nudge from now on ends the next sleep
        try:
            scheduler.enqueue_due(ctx)
            with ctx.db.single() as conn:
                ready = queue.ready_any(conn, ctx.clock, sorted(HANDLERS))
            ran = ready and run_one(ctx, name)
        except Exception:  # the database may be away for a while: keep trying
            log.exception("worker %s: claim failed", name)
            ran = False
        if not ran and not stop.is_set():
            _nudged.wait(idle_sleep_s)
