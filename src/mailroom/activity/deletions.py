"""A log of every deletion of events, so the columnar replica deletes the same events.

Each function that deletes events (a contact or list purge, a retention chunk, a demo account's
removal) writes one row here in its own transaction; `mailroom.replica` follows the log by id
and applies each row. `events_max` is the highest event id left after the deletion: on SQLite a
deleted newest id is handed out again, so the replica steps its watermark back to it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, func, insert, select

from mailroom.db.tables import event_deletions, events

CONTACTS = "contacts"
LIST = "list"
RANGE = "range"
ACCOUNT = "account"


def record(
    conn: Connection,
    account_id: int,
    kind: str,
    *,
    list_id: int | None = None,
    contact_ids: Sequence[int] | None = None,
    id_low: int | None = None,
    id_high: int | None = None,
    before_ms: int | None = None,
) -> None:
    """Log one deletion of events; call after the DELETE, in its transaction."""
    high = conn.scalar(select(func.coalesce(func.max(events.c.id), 0)))
    conn.execute(
        insert(event_deletions).values(
            account_id=account_id,
            kind=kind,
            list_id=list_id,
            contact_ids=list(contact_ids) if contact_ids is not None else None,
            id_low=id_low,
            id_high=id_high,
            before_ms=before_ms,
            events_max=int(high or 0),
        )
    )
