"""Single-contact reads for the hottest API calls (`by_email`, `by_id`), with their field schema.

On SQLite a read is one indexed query of a few microseconds, run on the event loop. On
PostgreSQL each query costs a round trip and far more CPU in the driver, so reads that arrive
while one is in flight are coalesced: the next round fetches all of them in one query (each
looked up in its own account), in a worker thread so the loop keeps serving. Answers are never
cached; every round reads committed data.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal

from starlette.concurrency import run_in_threadpool

from mailroom.contacts import repository
from mailroom.contacts.schemas import Contact
from mailroom.context import Context
from mailroom.fields.cache import SchemaCache, schema_cache
from mailroom.fields.service import FieldSchema
from mailroom.kit.ids import is_object_id

By = Literal["email", "uid"]
Found = tuple[Contact, FieldSchema]
MAX_ROUND = 500


@dataclass(slots=True)
class _Wanted:
    by: By
    account_id: int
    list_id: int
    key: str
    future: asyncio.Future[Found | None]


class ContactReader:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.schemas: SchemaCache = schema_cache(ctx)
        self.coalesce = not ctx.db.is_sqlite
        self._queue: list[_Wanted] = []
        self._drainer: asyncio.Task[None] | None = None

    async def get(self, by: By, account_id: int, list_id: int, key: str) -> Found | None:
        """The contact of the account's list by email (any case) or 24-hex id, or None."""
        key = key.strip().lower()
        if by == "uid" and not is_object_id(key):
            return None
        if not self.coalesce:
            return self._read([(by, account_id, list_id, key)])[0]
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Found | None] = loop.create_future()
        self._queue.append(_Wanted(by, account_id, list_id, key, future))
        drainer = self._drainer
        if drainer is None or drainer.done() or drainer.get_loop() is not loop:
            self._drainer = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:MAX_ROUND], self._queue[MAX_ROUND:]
            wanted = [(w.by, w.account_id, w.list_id, w.key) for w in batch]
            try:
                found = await run_in_threadpool(self._read, wanted)
            except Exception as error:  # every waiter of the round gets the failure
                for w in batch:
                    if not w.future.done():
                        w.future.set_exception(error)
                continue
            for w, answer in zip(batch, found, strict=True):
                if not w.future.done():  # a caller that went away cancelled its future
                    w.future.set_result(answer)

    def _read(self, wanted: list[tuple[By, int, int, str]]) -> list[Found | None]:
        out: list[Found | None] = [None] * len(wanted)
        with self.ctx.db.single() as conn:
            if len(wanted) == 1 or not self.coalesce:
                for i, (by, account_id, list_id, key) in enumerate(wanted):
                    hit = repository.one_in_account_list(conn, by, account_id, list_id, key)
                    if hit is not None:
                        out[i] = (hit[0], self.schemas.get(conn, hit[0].list_id, hit[1]))
                return out
            for by in ("email", "uid"):
                positions = [i for i, w in enumerate(wanted) if w[0] == by]
                if not positions:
                    continue
                rows = repository.many_in_account_lists(
                    conn, by, [wanted[i][1:] for i in positions]
                )
                for slot, (contact, version) in rows.items():
                    schema = self.schemas.get(conn, contact.list_id, version)
                    out[positions[slot]] = (contact, schema)
        return out


def contact_reader(ctx: Context) -> ContactReader:
    found = ctx.services.get("contact_reader")
    if found is None:
        found = ctx.services["contact_reader"] = ContactReader(ctx)
    return found  # type: ignore[no-any-return]
