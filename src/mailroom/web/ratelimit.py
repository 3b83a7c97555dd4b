"""Per-account call limits: calls per minute and calls in flight (Ongage: 300/min, 10 at once).

Minutes are fixed clock minutes, read from the injected clock. A refused call answers 429 with
``Retry-After`` (seconds to the next minute, or 1 when too many calls are in flight) and does
not use up budget. Counted per server process; several processes behind one database each
enforce the limit.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from mailroom.errors import RateLimited
from mailroom.kit.clock import Clock

PER_MINUTE_EXCEEDED = "Calls per minute exceeded"
IN_FLIGHT_EXCEEDED = "Concurrent calls exceeded"


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
        """Hold one call slot of the account for the duration of the block, or raise 429."""
        limit_minute = per_minute or self.per_minute
        limit_flight = in_flight or self.in_flight
        now_ms = self.clock.now_ms()
        minute = now_ms // 60_000
        with self._lock:
            window, calls = self._windows.get(account_id, (minute, 0))
            if window != minute:
                window, calls = minute, 0
            if limit_minute > 0 and calls >= limit_minute:
                wait_s = -(-((minute + 1) * 60_000 - now_ms) // 1000)  # ceiling division
                raise RateLimited(PER_MINUTE_EXCEEDED, headers={"Retry-After": str(wait_s)})
            flying = self._flying.get(account_id, 0)
            if limit_flight > 0 and flying >= limit_flight:
                raise RateLimited(IN_FLIGHT_EXCEEDED, headers={"Retry-After": "1"})
            self._windows[account_id] = (window, calls + 1)
            self._flying[account_id] = flying + 1
        try:
            yield
        finally:
            with self._lock:
                self._flying[account_id] -= 1

    def in_flight_now(self, account_id: int) -> int:
        with self._lock:
            return self._flying.get(account_id, 0)
