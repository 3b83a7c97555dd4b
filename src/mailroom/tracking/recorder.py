"""Opens and clicks from tracking links, stored together: one transaction per round of hits.

A mailing's opens come in bursts (privacy proxies fetch every image at delivery). Stored one
by one, each hit costs a transaction, a commit (a WAL flush) and a dozen statements for one
event. Here hits that arrive while a round is being stored wait for the next round
(`kit.rounds`), which stores all of them in one transaction: one `activity.ingest` per account
and source, so each account's hits are resolved in that account only. Each hit's response
still waits for the commit of its round, so a recorded open is durable when the pixel is sent.

A round that fails fails every hit in it (ingest rejects bad items one by one and does not
raise for them), and stores none of them.
"""

from __future__ import annotations

from typing import Any

from mailroom.activity import service as activity
from mailroom.activity.types import Source
from mailroom.context import Context
from mailroom.db import backend
from mailroom.kit.rounds import Rounds

MAX_ROUND = 1000
Hit = tuple[int, Source, dict[str, Any]]  # (account id, source, event item)


class HitRecorder:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._rounds: Rounds[Hit, None] = Rounds(self._store, MAX_ROUND)

    @property
    def rounds(self) -> int:
        """Rounds stored or tried so far, for tests and diagnostics."""
        return self._rounds.count

    async def record(self, account_id: int, source: Source, item: dict[str, Any]) -> None:
        """Store one event item of the account; returns once its round is committed."""
        await self._rounds.submit((account_id, source, item))

    def _store(self, hits: list[Hit]) -> list[None]:
        groups: dict[tuple[int, Source], list[dict[str, Any]]] = {}
        for account_id, source, item in hits:
            groups.setdefault((account_id, source), []).append(item)
        ctx = self.ctx
        with backend.writer_queue(ctx.db.engine), ctx.db.write() as conn:
            for (account_id, source), items in sorted(groups.items()):  # one lock order
                activity.ingest(conn, ctx.clock, account_id, items, source=source)
        return [None] * len(hits)


def hit_recorder(ctx: Context) -> HitRecorder:
    found = ctx.services.get("hit_recorder")
    if found is None:
        found = ctx.services["hit_recorder"] = HitRecorder(ctx)
    return found  # type: ignore[no-any-return]
