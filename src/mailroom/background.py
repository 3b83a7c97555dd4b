"""Every domain's job handlers and periodic tasks, and the worker `mailroom serve` runs inside.

A domain registers its work in its own ``jobs.py``; importing it here is what makes a worker
(in-process or `mailroom worker`) run it. Add a line when a domain gets a ``jobs.py``.
"""

from __future__ import annotations

import logging
import threading

from mailroom.context import Context
from mailroom.jobs import worker

log = logging.getLogger("mailroom.jobs")


def load_jobs() -> None:
    """Import each domain's jobs module, which registers its handlers and periodic tasks."""
    import mailroom.activity.jobs
    import mailroom.automation.jobs
    import mailroom.charts.jobs
    import mailroom.replica.jobs
    import mailroom.reports.jobs
    import mailroom.segments.jobs
    import mailroom.sending.jobs  # noqa: F401


class InProcessWorker:
    """`run_forever` on a daemon thread, for a server that is its own worker."""

    def __init__(self, ctx: Context, *, idle_sleep_s: float = 1.0) -> None:
        self.ctx = ctx
        self.idle_sleep_s = idle_sleep_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        load_jobs()
        self._thread = threading.Thread(
            target=worker.run_forever,
            args=(self.ctx,),
            kwargs={"idle_sleep_s": self.idle_sleep_s, "stop": self._stop},
            name="mailroom-worker",
            daemon=True,
        )
        self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Let the running job finish, then end the loop (daemon: exit never waits forever)."""
        self._stop.set()
        worker.nudge()
        if self._thread is not None:
            self._thread.join(timeout_s)
            if self._thread.is_alive():
                log.warning("in-process worker still busy after %.0f s; leaving it", timeout_s)
            self._thread = None
