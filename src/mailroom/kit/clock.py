"""Injectable time: the app, jobs and tests all read the clock through this."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, tzinfo
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


def local_day(now_ms: int, zone: tzinfo) -> tuple[int, int]:
    """The day `now_ms` falls in, in `zone`: [its midnight, the next midnight) in Unix ms. A
    day the clocks change on is 23 or 25 hours long, not 24."""
    today = datetime.fromtimestamp(now_ms / 1000, zone).replace(
        hour=0, minute=0, second=0, microsecond=0, fold=0
    )
    following = datetime.combine(today.date() + timedelta(days=1), today.timetz())
    return int(today.timestamp() * 1000), int(following.timestamp() * 1000)
