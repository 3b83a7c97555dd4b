"""Calls that arrive while a round is under way are served together by the next round.

For work whose fixed cost per call dwarfs its cost per item (a database round trip, a
transaction and its commit): `submit` queues an item and waits; one task per event loop runs
`run` on everything queued, up to `max_round` items at a time, in a worker thread so the loop
keeps serving, and hands each caller its own result. A round that raises fails every call in
it. Nothing is cached: every call is served by a round that starts after it arrived.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

from starlette.concurrency import run_in_threadpool

T = TypeVar("T")
R = TypeVar("R")


class Rounds(Generic[T, R]):
    def __init__(self, run: Callable[[list[T]], list[R]], max_round: int) -> None:
        self.run = run
        self.max_round = max_round
        self.count = 0  # rounds run, for tests and diagnostics
        self._queue: list[tuple[T, asyncio.Future[R]]] = []
        self._drainer: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        """`run`'s result for this item, from the next round."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._queue.append((item, future))
        drainer = self._drainer
        if drainer is None or drainer.done() or drainer.get_loop() is not loop:
            self._drainer = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._queue:
            batch = self._queue[: self.max_round]
            self._queue = self._queue[self.max_round :]
            self.count += 1
            try:
                results = await run_in_threadpool(self.run, [item for item, _ in batch])
            except Exception as error:  # every call of the round gets the failure
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():  # a caller that went away cancelled its future
                    future.set_result(result)
