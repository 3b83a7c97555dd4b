"""Injectable time: the app, jobs and tests all read the clock through this."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int: ...


class SystemClock:
    """Wall-clock time in Unix milliseconds."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class FrozenClock:
    """A clock that only moves when told to; tests use it instead of sleeping."""

    def __init__(self, start_ms: int = 1_767_225_600_000) -> None:  # 2026-01-01T00:00:00Z
        self._now = start_ms

    def now_ms(self) -> int:
        return self._now

    def advance(self, *, seconds: float = 0, ms: int = 0) -> None:
        self._now += int(seconds * 1000) + ms

    def set(self, ms: int) -> None:
        self._now = ms


def now_s(clock: Clock) -> int:
    """Unix seconds, the unit of Ongage's ``ocx_*`` dates."""
    return clock.now_ms() // 1000
