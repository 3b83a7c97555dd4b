"""A delivery worker in its own process, on a frozen clock: ``python -m tests.sending.worker_process
DATABASE_URL NOW_MS``. Tests kill it with SIGKILL mid-run and start another."""

from __future__ import annotations

import os
import sys

from mailroom.config import Settings
from mailroom.context import Context
from mailroom.db.database import Database
from mailroom.kit.clock import FrozenClock
from mailroom.sending import deliver


def main() -> None:
    url, now_ms = sys.argv[1], int(sys.argv[2])
    settings = Settings(
        database_url=url, secret_key="test-secret-of-the-suite", public_url="http://testserver"
    )
    ctx = Context(settings=settings, db=Database(url), clock=FrozenClock(now_ms))
    handled = deliver.deliver(ctx, f"process-{os.getpid()}", limit=5)
    print(handled)


if __name__ == "__main__":
    main()
