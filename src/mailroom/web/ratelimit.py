"""Per-account call limits: calls per minute and calls in flight (Ongage: 300/min, 10 at once).

Minutes are fixed clock minutes, read from the injected clock. A refused call answers 429 with
``Retry-After`` (seconds to the next minute, or 1 when too many calls are in flight) and does
not use up budget.

Calls per minute are counted in the database (`rate_counts`), so the limit holds for an account
whatever the number of server processes. A process does not write once per call: it claims a
block of calls from the shared count and spends it locally, and the block doubles while the
account keeps calling (1, 2, 4 ... up to a tenth of the limit). 300 calls in a minute cost a
process about 15 writes. A block is granted only as far as the limit allows, so the limit is
never exceeded; calls a process claimed but did not spend before the minute turned are lost,
so with N busy processes an account may get up to N blocks fewer calls than its limit. Calls
in flight are counted per process (a crashed process cannot leave slots held in a table).
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager

from starlette.concurrency import run_in_threadpool

from mailroom.accounts import service as accounts_service
from mailroom.context import Context
from mailroom.errors import RateLimited
from mailroom.kit.clock import Clock

PER_MINUTE_EXCEEDED = "Calls per minute exceeded"
IN_FLIGHT_EXCEEDED = "Concurrent calls exceeded"

# (account id, minute, calls wanted) -> the account's count for the minute, those included
Claim = Callable[[int, int, int], int]


class _Minute:
    __slots__ = ("block", "exhausted", "minute", "remaining")

    def __init__(self, minute: int) -> None:
        self.minute = minute
        self.remaining = 0  # calls claimed and not yet spent
        self.block = 1  # calls the next claim asks for
        self.exhausted = False  # the shared count reached the limit this minute


def local_claim() -> Claim:
    """A count in this process's memory: one process's view, for tests and tools."""
    counts: dict[tuple[int, int], int] = {}
    lock = threading.Lock()

    def claim(account_id: int, minute: int, calls: int) -> int:
        with lock:
            total = counts[(account_id, minute)] = counts.get((account_id, minute), 0) + calls
            return total

    return claim


class RateLimiter:
    def __init__(
        self, clock: Clock, per_minute: int, in_flight: int, claim: Claim | None = None
    ) -> None:
        self.clock = clock
        self.per_minute = per_minute
        self.in_flight = in_flight
        self.claim = claim or local_claim()
        self.claims = 0  # claims made, for tests and the cost figures
        self._lock = threading.Lock()
        self._minutes: dict[int, _Minute] = {}
        self._flying: dict[int, int] = {}

    @contextmanager
    def call(
        self, account_id: int, per_minute: int | None = None, in_flight: int | None = None
    ) -> Iterator[None]:
        """Hold one call slot of the account for the block, or raise 429 (claims block)."""
        limit, flight = per_minute or self.per_minute, in_flight or self.in_flight
        wanted = self._admit(account_id, limit, flight)
        if wanted is not None:
            self._settle(account_id, limit, *wanted, self._claim(account_id, *wanted))
        try:
            yield
        finally:
            self._release(account_id)

    @asynccontextmanager
    async def acall(
        self, account_id: int, per_minute: int | None = None, in_flight: int | None = None
    ) -> AsyncIterator[None]:
        """`call` for the event loop: a claim runs in the thread pool, never on the loop."""
        limit, flight = per_minute or self.per_minute, in_flight or self.in_flight
        wanted = self._admit(account_id, limit, flight)
        if wanted is not None:
            total = await run_in_threadpool(self._claim, account_id, *wanted)
            self._settle(account_id, limit, *wanted, total)
        try:
            yield
        finally:
            self._release(account_id)

    def _admit(self, account_id: int, limit: int, flight: int) -> tuple[int, int] | None:
        """Take a slot: None if the local budget paid for it, else the claim to make first."""
        now_ms = self.clock.now_ms()
        minute = now_ms // 60_000
        with self._lock:
            flying = self._flying.get(account_id, 0)
            if flight > 0 and flying >= flight:
                raise RateLimited(IN_FLIGHT_EXCEEDED, headers={"Retry-After": "1"})
            state = self._minutes.get(account_id)
            if state is None or state.minute != minute:
                state = self._minutes[account_id] = _Minute(minute)
            if limit > 0 and state.remaining <= 0:
                if state.exhausted:
                    raise _per_minute(minute, now_ms)
                self._flying[account_id] = flying + 1
                block = state.block
                state.block = min(block * 2, max(1, limit // 10))
                return minute, block
            state.remaining -= 1
            self._flying[account_id] = flying + 1
            return None

    def _claim(self, account_id: int, minute: int, block: int) -> int:
        try:
            return self.claim(account_id, minute, block)
        except BaseException:
            self._release(account_id)
            raise

    def _settle(self, account_id: int, limit: int, minute: int, block: int, total: int) -> None:
        """Spend one of the granted calls on this call, or refuse it if none was granted."""
        granted = max(0, min(block, limit - (total - block)))
        with self._lock:
            self.claims += 1
            state = self._minutes.get(account_id)
            if state is not None and state.minute == minute:
                if granted < block:
                    state.exhausted = True
                state.remaining += max(0, granted - 1)
            if granted == 0:
                self._flying[account_id] -= 1
                raise _per_minute(minute, self.clock.now_ms())

    def _release(self, account_id: int) -> None:
        with self._lock:
            self._flying[account_id] -= 1

    def in_flight_now(self, account_id: int) -> int:
        with self._lock:
            return self._flying.get(account_id, 0)


def _per_minute(minute: int, now_ms: int) -> RateLimited:
    wait_s = max(1, -(-((minute + 1) * 60_000 - now_ms) // 1000))  # ceiling division
    return RateLimited(PER_MINUTE_EXCEEDED, headers={"Retry-After": str(wait_s)})


def limiter_for(ctx: Context) -> RateLimiter:
    """The process's limiter (one budget per account across dialects), counting in the database."""
    found: RateLimiter | None = ctx.services.get("rate_limiter")
    if found is None:

        def claim(account_id: int, minute: int, calls: int) -> int:
            with ctx.db.write() as conn:
                return accounts_service.claim_calls(conn, account_id, minute, calls)

        found = ctx.services["rate_limiter"] = RateLimiter(
            ctx.clock, ctx.settings.rate_limit_per_minute, ctx.settings.rate_limit_in_flight, claim
        )
    return found
