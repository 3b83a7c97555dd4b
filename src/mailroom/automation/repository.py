"""All SQL of the automation domain: events, triggers, and the claims the engine inserts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, delete, func, insert, literal_column, select, update

from mailroom.db import backend
from mailroom.db.tables import (
    automation_events,
    automation_previews,
    contacts,
    mailings,
    quota_usage,
    sends,
    triggers,
)

SEND_COLUMNS = (
    "account_id",
    "key",
    "mailing_id",
    "trigger_id",
    "contact_id",
    "email_message_id",
    "due_ms",
    "status",
    "created_ms",
    "segment_id",
)


def insert_event(conn: Connection, values: dict[str, Any]) -> int:
    fresh = _past(conn, automation_events.c.id, quota_usage.c.event_id)
    result = conn.execute(insert(automation_events).values(**values, **fresh))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def insert_trigger(conn: Connection, values: dict[str, Any]) -> int:
    fresh = _past(conn, triggers.c.id, mailings.c.trigger_id, sends.c.trigger_id)
    result = conn.execute(insert(triggers).values(**values, **fresh))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def _past(conn: Connection, *used: Any) -> dict[str, int]:
    """An id past every one `used` ever named, on SQLite (PostgreSQL's sequences never hand an
    id out twice). SQLite gives the highest id again once its row is deleted, and a deleted
    event's ids live on in sends' keys, trigger mailings and quota counters: a new trigger
    with an old id would find its sends already claimed. One writer at a time: no race."""
    if conn.dialect.name != "sqlite":
        return {}
    highest = select(*(select(func.max(c)).scalar_subquery() for c in used))
    return {"id": max((int(v or 0) for v in conn.execute(highest).one()), default=0) + 1}


def set_trigger_mailing(conn: Connection, trigger_id: int, mailing_id: int) -> None:
    conn.execute(update(triggers).where(triggers.c.id == trigger_id).values(mailing_id=mailing_id))


def get_event(conn: Connection, account_id: int, event_id: int) -> Any:
    query = select(automation_events).where(
        automation_events.c.account_id == account_id, automation_events.c.id == event_id
    )
    return conn.execute(query).first()


def triggers_of(conn: Connection, event_ids: list[int]) -> list[Any]:
    if not event_ids:
        return []
    query = (
        select(triggers)
        .where(triggers.c.event_id.in_(event_ids))
        .order_by(triggers.c.event_id, triggers.c.position)
    )
    return list(conn.execute(query))


_SORTABLE = {"id", "name", "created", "modified"}


def page_events(
    conn: Connection,
    account_id: int,
    *,
    name: str | None,
    sort: str,
    descending: bool,
    offset: int,
    limit: int | None,
) -> tuple[list[Any], int]:
    where = automation_events.c.account_id == account_id
    if name:
        where = where & automation_events.c.name.contains(name, autoescape=True)
    column = automation_events.c[sort if sort in _SORTABLE else "id"]
    order = column.desc() if descending else column
    rows = conn.execute(
        select(automation_events)
        .where(where)
        .order_by(order, automation_events.c.id)
        .offset(offset)
        .limit(limit)
    )
    total = conn.execute(select(func.count()).select_from(automation_events).where(where)).scalar()
    return list(rows), int(total or 0)


def update_event(conn: Connection, event_id: int, values: dict[str, Any]) -> None:
    conn.execute(
        update(automation_events).where(automation_events.c.id == event_id).values(**values)
    )


def delete_event(conn: Connection, event_id: int) -> None:
    conn.execute(delete(triggers).where(triggers.c.event_id == event_id))
    conn.execute(delete(automation_events).where(automation_events.c.id == event_id))


def active_events(conn: Connection) -> list[Any]:
    query = select(automation_events).where(automation_events.c.active.is_(True))
    return list(conn.execute(query.order_by(automation_events.c.id)))


def insert_due(conn: Connection, query: Select[Any]) -> int:
    """Claim keys for the due rows `query` yields; rows whose key exists are skipped."""
    return backend.insert_select_ignore(conn, sends, SEND_COLUMNS, query, index_elements=["key"])


def chunk_end(
    conn: Connection, keyset: Select[Any], column: Any, after: int | None, size: int
) -> int | None:
    """The id that ends the next chunk of `size` ids after `after` (None: fewer are left, the
    chunk runs to the end). Read on the keyset's index, not on the due rows."""
    query = keyset if after is None else keyset.where(column > after)
    found = conn.execute(query.order_by(column).offset(size - 1).limit(1)).scalar()
    return None if found is None else int(found)


def still_on(conn: Connection, event: Any) -> bool:
    """Whether the event is as a run found it: not deleted, switched off, edited or switched on
    again since."""
    e = automation_events
    query = select(e.c.active, e.c.activated, e.c.modified).where(e.c.id == event.id)
    row = conn.execute(query).first()
    return (
        row is not None
        and bool(row.active)
        and row.activated == event.activated
        and row.modified == event.modified
    )


def skip_queued(conn: Connection, mailing_ids: list[int]) -> None:
    """Queued sends of switched-off triggers never go out (they fell due while it was off)."""
    if mailing_ids:
        conn.execute(
            update(sends)
            .where(sends.c.mailing_id.in_(mailing_ids), sends.c.status == "queued")
            .values(status="skipped", error="event switched off")
        )


def claimed_count(conn: Connection, mailing_ids: list[int]) -> int:
    """Sends ever claimed for these trigger mailings (emails_limit)."""
    if not mailing_ids:
        return 0
    query = select(func.count()).select_from(sends).where(sends.c.mailing_id.in_(mailing_ids))
    return int(conn.execute(query).scalar() or 0)


def quotas_of_triggers(conn: Connection, trigger_ids: list[int]) -> list[Any]:
    """(trigger id, event id, the event's esp_connections_quota) of these triggers."""
    if not trigger_ids:
        return []
    query = (
        select(triggers.c.id, automation_events.c.id, automation_events.c.esp_connections_quota)
        .join(automation_events, automation_events.c.id == triggers.c.event_id)
        .where(triggers.c.id.in_(trigger_ids))
    )
    return list(conn.execute(query))


def trigger_ids_of(conn: Connection, event_ids: list[int]) -> dict[int, int]:
    """Every trigger of these events: trigger id -> event id."""
    if not event_ids:
        return {}
    query = select(triggers.c.id, triggers.c.event_id).where(triggers.c.event_id.in_(event_ids))
    return {int(t): int(e) for t, e in conn.execute(query)}


def event_by_id(conn: Connection, event_id: int) -> Any:
    query = select(automation_events).where(automation_events.c.id == event_id)
    return conn.execute(query).first()


def sends_per_day(conn: Connection, trigger_ids: list[int], since_ms: int) -> list[Any]:
    """(trigger_id, day, sends): messages the triggers sent since `since_ms`, per UTC day (Unix
    seconds of its start), read on the (trigger_id, sent_ms) index."""
    if not trigger_ids:
        return []
    day = (sends.c.sent_ms // literal_column("86400000")) * literal_column("86400")
    query = (
        select(sends.c.trigger_id, day.label("day"), func.count().label("sends"))
        .where(sends.c.trigger_id.in_(trigger_ids), sends.c.sent_ms >= since_ms)
        .group_by(sends.c.trigger_id, literal_column("day"))
    )
    return list(conn.execute(query))


def ensure_date_index(conn: Connection, field: str, annual: bool) -> None:
    """The index a date-field event's runs read (PostgreSQL; one per field and kind)."""
    from mailroom.automation.due import date_key

    name = f"ix_contacts_{'md' if annual else 'day'}_{field}"[:63]
    backend.field_index(conn, contacts, name, contacts.c.list_id, date_key(field, annual))


def stored_preview(conn: Connection, account_id: int, event_id: int) -> Any:
    p = automation_previews
    query = select(p).where(p.c.event_id == event_id, p.c.account_id == account_id)
    return conn.execute(query).first()


def store_preview(conn: Connection, values: dict[str, Any]) -> None:
    """Replace the event's stored preview."""
    p = automation_previews
    conn.execute(delete(p).where(p.c.event_id == values["event_id"]))
    conn.execute(insert(p).values(**values))
