"""Periodic tasks: each interval becomes one job, whichever worker process notices it first.

A task's period is ``now // every_ms`` on `ctx.clock`; its job carries the dedupe key
``every:<name>:<period>``, so however many workers look at the same period the job table holds
one job for it, and the usual claim (SKIP LOCKED, leases, retries) runs it once. A period in
which no worker was alive is not made up later: the next one runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mailroom.config import Settings
from mailroom.context import Context
from mailroom.jobs import queue


@dataclass(frozen=True)
class Periodic:
    name: str  # also the job kind
    every_ms: int
    enabled: Callable[[Settings], bool]


def period_of(task: Periodic, now_ms: int) -> int:
    return now_ms // task.every_ms


def dedupe_key(task: Periodic, period: int) -> str:
    return f"every:{task.name}:{period}"


class Scheduler:
    """Enqueues the due period of each task; remembers what this process already saw."""

    def __init__(self, tasks: dict[str, Periodic]) -> None:
        self.tasks = tasks
        self._seen: dict[str, int] = {}

    def enqueue_due(self, ctx: Context) -> int:
        """Enqueue the current period of every enabled task not yet enqueued; return how many."""
        now = ctx.clock.now_ms()
        due = [
            task
            for task in self.tasks.values()
            if task.enabled(ctx.settings) and self._seen.get(task.name) != period_of(task, now)
        ]
        if not due:
            return 0
        added = 0
        with ctx.db.write() as conn:
            for task in due:
                period = period_of(task, now)
                made = queue.enqueue(
                    conn,
                    ctx.clock,
                    task.name,
                    {"period_start_ms": period * task.every_ms},
                    dedupe_key=dedupe_key(task, period),
                )
                added += made is not None
        for task in due:  # after the commit: a rolled-back enqueue is tried again
            self._seen[task.name] = period_of(task, now)
        return added
