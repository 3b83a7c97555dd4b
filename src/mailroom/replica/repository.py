"""All SQL the replica runs on the main database: the logs it follows, read by id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, or_, select

from mailroom.db import backend
from mailroom.db.hotread import HotRead
from mailroom.db.tables import contact_changes, contacts, event_deletions, events, links

LOGS = ("events", "contact_changes", "event_deletions", "links")
EVENT_COLUMNS = (
    "id",
    "account_id",
    "list_id",
    "contact_id",
    "type",
    "at_ms",
    "mailing_id",
    "link_id",
    "machine",
    "details",
)
CONTACT_COLUMNS = (
    "id",
    "account_id",
    "list_id",
    "email",
    "status",
    "fields",
    "created",
    "unsubscribe_date",
    "resubscribe_date",
    "bounce_date",
    "complaint_date",
)


def _events_select() -> Any:
    return select(
        *(events.c[n] for n in EVENT_COLUMNS[:-1]),
        backend.json_text(events.c.details).label("details"),
    )


_EVENTS_AFTER = HotRead(
    _events_select()
    .where(events.c.id > bindparam("after"))
    .order_by(events.c.id)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))  # SQLite's compiler adds one; named, so it can be bound
)


def events_after(conn: Connection, after_id: int, limit: int) -> list[tuple[Any, ...]]:
    """Up to `limit` events with ids above `after_id`, in id order, as the driver gives them
    (on SQLite `machine` is 0 or 1): millions pass here in a rebuild."""
    return _EVENTS_AFTER.raw(conn, {"after": after_id, "limit": limit, "offset": 0})


def events_in(conn: Connection, ranges: Sequence[tuple[int, int]]) -> list[Any]:
    """The events whose ids fall in any of these inclusive ranges (gaps being rechecked)."""
    if not ranges:
        return []
    where = or_(*(and_(events.c.id >= lo, events.c.id <= hi) for lo, hi in ranges))
    return list(conn.execute(_events_select().where(where).order_by(events.c.id)).all())


def high_ids(conn: Connection) -> dict[str, int]:
    """The highest id of each followed log."""

    def high(column: Any) -> int:
        return int(conn.scalar(select(func.coalesce(func.max(column), 0))) or 0)

    return {
        "events": high(events.c.id),
        "contact_changes": high(contact_changes.c.id),
        "event_deletions": high(event_deletions.c.id),
        "links": high(links.c.id),
    }


def event_count(conn: Connection) -> int:
    return int(conn.scalar(select(func.count()).select_from(events)) or 0)


def changes_after(conn: Connection, after_id: int, limit: int) -> list[tuple[int, int]]:
    """(change id, contact id) of up to `limit` contact changes after `after_id`."""
    stmt = (
        select(contact_changes.c.id, contact_changes.c.contact_id)
        .where(contact_changes.c.id > after_id)
        .order_by(contact_changes.c.id)
        .limit(limit)
    )
    return [(int(a), int(b)) for a, b in conn.execute(stmt).all()]


def _contacts_select() -> Any:
    return select(
        *(
            backend.json_text(contacts.c.fields).label("fields") if n == "fields" else contacts.c[n]
            for n in CONTACT_COLUMNS
        )
    )


def contacts_by_id(conn: Connection, ids: Sequence[int]) -> list[Any]:
    """The current rows of these contacts (deleted ones are simply absent)."""
    if not ids:
        return []
    stmt = _contacts_select().where(backend.in_values(conn, contacts.c.id, sorted(set(ids))))
    return list(conn.execute(stmt).all())


def contacts_after(conn: Connection, after_id: int, limit: int) -> list[Any]:
    """Up to `limit` contacts with ids above `after_id`, in id order (a rebuild's copy)."""
    stmt = _contacts_select().where(contacts.c.id > after_id).order_by(contacts.c.id).limit(limit)
    return list(conn.execute(stmt).all())


def deletions_after(conn: Connection, after_id: int) -> list[Any]:
    stmt = (
        select(event_deletions)
        .where(event_deletions.c.id > after_id)
        .order_by(event_deletions.c.id)
        .limit(1000)
    )
    return list(conn.execute(stmt).all())


def links_after(conn: Connection, after_id: int, limit: int) -> list[Any]:
    stmt = select(links.c.id, links.c.url).where(links.c.id > after_id).order_by(links.c.id)
    return list(conn.execute(stmt.limit(limit)).all())


def trim_logs(conn: Connection, changes_below: int, deletions_below: int) -> None:
    """Drop log rows the replica has applied; the newest row stays so SQLite reuses no id."""
    conn.execute(delete(contact_changes).where(contact_changes.c.id < changes_below))
    conn.execute(delete(event_deletions).where(event_deletions.c.id < deletions_below))


def log_floor(conn: Connection) -> dict[str, int]:
    """The lowest id still in each trimmed log (0 when empty)."""
    return {
        "contact_changes": int(
            conn.scalar(select(func.coalesce(func.min(contact_changes.c.id), 0))) or 0
        ),
        "event_deletions": int(
            conn.scalar(select(func.coalesce(func.min(event_deletions.c.id), 0))) or 0
        ),
    }
