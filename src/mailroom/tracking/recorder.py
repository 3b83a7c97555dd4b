"""Opens and clicks from tracking links, stored together: one transaction per round of hits.

A mailing's opens come in bursts (privacy proxies fetch every image at delivery). Stored one
by one, each hit costs a transaction, a commit (a WAL flush) and a dozen statements for one
event. Here hits that arrive while a round is being stored wait for the next round, which
stores all of them in one transaction: one `activity.ingest` per account and source, so each
account's hits are resolved in that account only. Each hit's response still waits for the
commit of its round, so a recorded open is durable when the pixel is sent.

A round that fails fails every hit in it (ingest rejects bad items one by one and does not
raise for them), and stores none of them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool

from mailroom.activity import service as activity
from mailroom.activity.types import Source
from mailroom.context import Context
from mailroom.db import backend

MAX_ROUND = 1000


@dataclass(slots=True)
class _Hit:
    account_id: int
    source: Source
    item: dict[str, Any]
    future: asyncio.Future[None]


class HitRecorder:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.rounds = 0  # stored rounds, for tests and diagnostics
        self._queue: list[_Hit] = []
        self._drainer: asyncio.Task[None] | None = None

    async def record(self, account_id: int, source: Source, item: dict[str, Any]) -> None:
        """Store one event item of the account; returns once its round is committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._queue.append(_Hit(account_id, source, item, future))
        drainer = self._drainer
        if drainer is None or drainer.done() or drainer.get_loop() is not loop:
            self._drainer = loop.create_task(self._drain())
        await future

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:MAX_ROUND], self._queue[MAX_ROUND:]
            try:
                await run_in_threadpool(self._store, batch)
            except Exception as error:  # every hit of the round gets the failure
                for hit in batch:
                    if not hit.future.done():
                        hit.future.set_exception(error)
                continue
            for hit in batch:
                if not hit.future.done():  # a caller that went away cancelled its future
                    hit.future.set_result(None)

    def _store(self, hits: list[_Hit]) -> None:
        groups: dict[tuple[int, Source], list[dict[str, Any]]] = {}
        for hit in hits:
            groups.setdefault((hit.account_id, hit.source), []).append(hit.item)
        ctx = self.ctx
        with backend.writer_queue(ctx.db.engine), ctx.db.write() as conn:
            for (account_id, source), items in sorted(groups.items()):  # one lock order
                activity.ingest(conn, ctx.clock, account_id, items, source=source)
        self.rounds += 1


def hit_recorder(ctx: Context) -> HitRecorder:
    found = ctx.services.get("hit_recorder")
    if found is None:
        found = ctx.services["hit_recorder"] = HitRecorder(ctx)
    return found  # type: ignore[no-any-return]
