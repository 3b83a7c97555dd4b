"""SQLite's writers' queue: one writer at a time, each starting the moment the previous commits."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

_queues: dict[str, tuple[threading.Lock, int | None]] = {}
_queues_lock = threading.Lock()


@contextmanager
def writer_queue(engine: Engine) -> Iterator[None]:
    """Wait in line for SQLite's one writer; nothing on PostgreSQL, where writers run together.

    A thread lock and a lock file beside the database (`<file>-writers.lock`) let a waiting
    writer start the moment the previous one commits; SQLite's own busy handler would sleep
    and poll, up to 100 ms at a time. Writers that do not queue stay correct: SQLite's locks
    still decide.
    """
    if engine.dialect.name != "sqlite":
        yield
        return
    path = engine.url.database or ""
    with _queues_lock:
        queue = _queues.get(path)
        if queue is None:
            fd = None
            if path not in ("", ":memory:") and sys.platform != "win32":
                try:
                    fd = os.open(f"{path}-writers.lock", os.O_RDWR | os.O_CREAT, 0o644)
                except OSError:  # e.g. a read-only folder: queue this process's threads only
                    fd = None
            queue = _queues[path] = (threading.Lock(), fd)
    lock, fd = queue
    with lock:
        if fd is None or sys.platform == "win32":  # other processes: SQLite's busy handler
            yield
            return
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
