"""Per-account call limits: calls per minute and calls in flight (Ongage: 300/min, 10 at once).

Counted per server process; several processes behind one database each enforce the limit.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from mailroom.errors import RateLimited
from mailroom.kit.clock import Clock


class RateLimiter:
    def __init__(self, clock: Clock, per_minute: int, in_flight: int) -> None:
        self.clock = clock
        self.per_minute = per_minute
        self.in_flight = in_flight
        self._lock = threading.Lock()
        self._windows: dict[int, tuple[int, int]] = {}  # account -> (minute, calls)
        self._flying: dict[int, int] = {}

    @contextmanager
    def call(
        self, account_id: int, per_minute: int | None = None, in_flight: int | None = None
    ) -> Iterator[None]:
        limit_minute = per_minute or self.per_minute
        limit_flight = in_flight or self.in_flight
        minute = self.clock.now_ms() // 60_000
        with self._lock:
            window, calls = self._windows.get(account_id, (minute, 0))
            if window != minute:
                window, calls = minute, 0
            if limit_minute > 0 and calls >= limit_minute:
                raise RateLimited("Calls per minute exceeded")
            flying = self._flying.get(account_id, 0)
            if limit_flight > 0 and flying >= limit_flight:
                raise RateLimited("Concurrent calls exceeded")
            self._windows[account_id] = (window, calls + 1)
            self._flying[account_id] = flying + 1
        try:
            yield
        finally:
            with self._lock:
                self._flying[account_id] -= 1
