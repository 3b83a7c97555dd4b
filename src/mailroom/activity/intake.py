"""One request's events stored as one unit: validated outside any transaction, then written.

Where the backend takes one writer at a time (SQLite), contacts are looked up beside the writer,
before the batch takes its place in the writers' queue. If PostgreSQL broke a deadlock with the
write, the whole request runs again from its raw items (`db.retry`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mailroom.activity import service
from mailroom.activity.schemas import IngestResult
from mailroom.activity.types import Source
from mailroom.context import Context
from mailroom.db import backend, retry


def ingest_request(
    ctx: Context,
    account_id: int,
    read_items: Callable[[], list[Any]],
    *,
    default_list_id: int | None,
    source: Source = Source.API,
    create_mailings: bool = False,
) -> IngestResult:
    """Store the items `read_items()` gives, in one write transaction retried on deadlock.

    With `create_mailings`, a mailing named but unknown is created (see `service.validate`).
    """
    return retry.on_deadlock(
        lambda: _ingest(ctx, account_id, read_items, default_list_id, source, create_mailings)
    )


def _ingest(
    ctx: Context,
    account_id: int,
    read_items: Callable[[], list[Any]],
    default_list_id: int | None,
    source: Source,
    create_mailings: bool,
) -> IngestResult:
    items = read_items()
    batch = service.validate(ctx.clock, items, default_list_id, create_mailings=create_mailings)
    del items
    # Look up beside the writer, not inside it (unless the lookup writes new mailings).
    if ctx.db.one_writer and not create_mailings:
        with ctx.db.read() as conn:
            service.resolve(conn, account_id, batch)
    with backend.writer_queue(ctx.db.engine), ctx.db.write() as conn:
        return service.store(conn, account_id, batch, source=source)
