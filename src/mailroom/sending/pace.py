"""A sending connection's `rate_per_second`, held across every worker process.

The connection's sending time is handed out in the main database (`connection_pace`): a
process reserves a second's worth of slots at a time (one UPDATE a second at full pace), gives
them to its lanes in order, and each lane sleeps until its slot. Processes reserving at once
get consecutive seconds, so together they never pass the rate. Slots a process reserved and
did not use pass unused (the connection sends a little slower, never faster); a block whose
slots have gone by while nobody sent is dropped, not spent in a burst.

Slots are wall-clock time (processes share it, not a monotonic clock); `now` and `sleep` are
injectable for tests.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

Reserve = Callable[[int, int], int]  # (now µs, span µs) -> the span's start, µs


class Pacer:
    """At most `rate` messages a second through one connection, across processes."""

    def __init__(
        self,
        rate: float | None,
        reserve: Reserve,
        *,
        now: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval_us = 1_000_000 / rate if rate and rate > 0 else 0.0
        self.block = max(1, math.ceil(rate)) if rate and rate > 0 else 0  # a second's slots
        self.reserve = reserve
        self.now = now
        self.sleep = sleep
        self._next_us = 0.0  # this process's next reserved slot
        self._left = 0  # slots of the block not handed out yet
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until this message's slot (slots are handed out in order across lanes)."""
        if not self.interval_us:
            return
        with self._lock:
            now_us = self.now() * 1_000_000
            if self._left and self._next_us < now_us - self.interval_us:
                self._left = 0  # the block's slots went by unused: no burst to catch up
            if not self._left:
                span = round(self.block * self.interval_us)
                self._next_us = float(self.reserve(int(now_us), span))
                self._left = self.block
            slot = self._next_us
            self._next_us += self.interval_us
            self._left -= 1
        delay = (slot - now_us) / 1_000_000
        if delay > 0:
            self.sleep(delay)
