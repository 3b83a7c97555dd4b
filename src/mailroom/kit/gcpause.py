"""Pause Python's cyclic garbage collector around allocation-heavy batch work.

Parsing and storing 10,000 events allocates hundreds of thousands of objects, which makes the
collector scan the whole heap again and again (about a third of the ingest path's CPU).
Reference counting still frees everything at once; only cycles wait until the last paused
section in the process ends. Nesting and threads are counted, so the collector comes back on
exactly when no batch is running.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_active = 0
_was_enabled = True


@contextmanager
def paused() -> Iterator[None]:
    global _active, _was_enabled
    with _lock:
        if _active == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0 and _was_enabled:
                gc.enable()
