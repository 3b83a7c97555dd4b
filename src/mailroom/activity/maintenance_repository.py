"""SQL of the activity upkeep: `rebuild` (aggregates from events), `retention` and `purge`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, and_, case, delete, func, insert, literal, select, true

from mailroom.activity.repository import (
    CONTACT_COUNTERS,
    MACHINE_APART,
    MAILING_COUNTERS,
    hourly_counter,
)
from mailroom.activity.types import PAGE_TYPES, EventType
from mailroom.db import backend
from mailroom.db.tables import (
    activity_hourly,
    contact_mailing_totals,
    contact_totals,
    contacts,
    events,
    replica_state,
)

e = events
_HUMAN = e.c.machine.isnot(True)


def _count(*conditions: Any) -> Any:
    return func.coalesce(func.sum(case((_all(*conditions), 1), else_=0)), 0)


def _all(*conditions: Any) -> Any:
    return and_(*conditions)


def _last(*conditions: Any) -> Any:
    return func.max(case((_all(*conditions), e.c.at_ms), else_=None))


def _is(type_: EventType) -> Any:
    return e.c.type == int(type_)


_SOFT = e.c.details["bounce_type"].as_string() == "soft"
_MACHINE = e.c.machine == true()

_COUNTS: dict[str, Any] = {
    "sends": _count(_is(EventType.EM_SENDS)),
    "opens": _count(_is(EventType.EM_OPENS), _HUMAN),
    "machine_opens": _count(_is(EventType.EM_OPENS), _MACHINE),
    "clicks": _count(_is(EventType.EM_CLICKS), _HUMAN),
    "machine_clicks": _count(_is(EventType.EM_CLICKS), _MACHINE),
    "bounces": _count(_is(EventType.EM_BOUNCES)),
    "soft_bounces": _count(_is(EventType.EM_BOUNCES), _SOFT),
    "optouts": _count(_is(EventType.EM_OPTOUTS)),
    "complaints": _count(_is(EventType.EM_COMPLAINTS)),
    "forwards": _count(_is(EventType.EM_FORWARDS)),
    "page_events": _count(e.c.type.in_([int(t) for t in PAGE_TYPES])),
}

# activity_hourly counter -> the events it counts (`repository.hourly_counter`).
_HOURLY: dict[str, tuple[Any, ...]] = {}
for _type in EventType:
    if _type in MACHINE_APART:
        _HOURLY[hourly_counter(_type, False)] = (_is(_type), _HUMAN)
        _HOURLY[hourly_counter(_type, True)] = (_is(_type), _MACHINE)
    else:
        _HOURLY[hourly_counter(_type, False)] = (_is(_type),)


def replace_aggregates(conn: Connection, account_id: int) -> None:
    """Replace the account's contact, contact x mailing and hourly totals with sums of events."""
    for table in (contact_totals, contact_mailing_totals, activity_hourly):
        conn.execute(delete(table).where(table.c.account_id == account_id))
    mine = e.c.account_id == account_id

    contact_cols = {
        "contact_id": e.c.contact_id,
        "account_id": literal(account_id),
        "list_id": func.min(e.c.list_id),
        **{name: _COUNTS[name] for name in CONTACT_COUNTERS},
        "last_sent_ms": _last(_is(EventType.EM_SENDS)),
        "last_open_ms": _last(_is(EventType.EM_OPENS), _HUMAN),
        "last_click_ms": _last(_is(EventType.EM_CLICKS), _HUMAN),
    }
    query = select(*contact_cols.values()).where(mine).group_by(e.c.contact_id)
    conn.execute(insert(contact_totals).from_select(list(contact_cols), query))

    mailing_cols = {
        "contact_id": e.c.contact_id,
        "mailing_id": e.c.mailing_id,
        "account_id": literal(account_id),
        **{name: _COUNTS[name] for name in MAILING_COUNTERS},
        "first_sent_ms": func.min(case((_is(EventType.EM_SENDS), e.c.at_ms), else_=None)),
        "last_sent_ms": _last(_is(EventType.EM_SENDS)),
        "last_at_ms": func.max(e.c.at_ms),
    }
    query = (
        select(*mailing_cols.values())
        .where(mine, e.c.mailing_id.isnot(None))
        .group_by(e.c.contact_id, e.c.mailing_id)
    )
    conn.execute(insert(contact_mailing_totals).from_select(list(mailing_cols), query))

    hour = (e.c.at_ms // 3_600_000) * 3600
    hourly_cols = {
        "list_id": e.c.list_id,
        "hour": hour,
        "account_id": literal(account_id),
        **{name: _count(*condition) for name, condition in _HOURLY.items()},
    }
    query = select(*hourly_cols.values()).where(mine).group_by(e.c.list_id, hour)
    conn.execute(insert(activity_hourly).from_select(list(hourly_cols), query))


def select_event_id_range(conn: Connection) -> tuple[Any, Any]:
    """The lowest and highest stored event ids (None, None with no events)."""
    low, high = conn.execute(select(func.min(events.c.id), func.max(events.c.id))).one()
    return low, high


def delete_events_before(conn: Connection, cutoff: int, after_id: int, chunk: int) -> list[int]:
    """Delete events older than `cutoff` with ids in (after_id, after_id + chunk]; return ids."""
    return list(
        conn.scalars(
            delete(events)
            .where(events.c.id > after_id, events.c.id <= after_id + chunk, events.c.at_ms < cutoff)
            .returning(events.c.id)
        ).all()
    )


def upsert_marker(conn: Connection, name: str, last_event_id: int, now_ms: int) -> None:
    """Raise the `replica_state` marker `name` to `last_event_id` (kept if already higher)."""
    backend.upsert_add(
        conn,
        replica_state,
        [{"name": name, "last_event_id": last_event_id, "updated_ms": now_ms}],
        keys=("name",),
        greatest=("last_event_id", "updated_ms"),
    )


def select_marker(conn: Connection, name: str) -> Any:
    """The `last_event_id` of the `replica_state` marker `name`, if set."""
    return conn.scalar(select(replica_state.c.last_event_id).where(replica_state.c.name == name))


def _delete(conn: Connection, table: Table, account_id: int, *where: Any) -> int:
    result = conn.execute(delete(table).where(table.c.account_id == account_id, *where))
    return int(result.rowcount or 0)


def delete_list_activity(conn: Connection, account_id: int, list_id: int) -> dict[str, int]:
    """Delete the list's events, contact totals, contact x mailing and hourly totals; counts."""
    # By list only, so the (list_id, email) index serves it; every DELETE checks the account.
    members = select(contacts.c.id).where(contacts.c.list_id == list_id)
    return {
        "events": _delete(conn, events, account_id, events.c.contact_id.in_(members)),
        "contact_totals": _delete(
            conn, contact_totals, account_id, contact_totals.c.contact_id.in_(members)
        ),
        "contact_mailing_totals": _delete(
            conn,
            contact_mailing_totals,
            account_id,
            contact_mailing_totals.c.contact_id.in_(members),
        ),
        "activity_hourly": _delete(
            conn, activity_hourly, account_id, activity_hourly.c.list_id == list_id
        ),
    }


def delete_contacts_activity(
    conn: Connection, account_id: int, ids: Sequence[int]
) -> dict[str, int]:
    """Delete these contacts' events, contact totals and contact x mailing totals; counts."""

    def of(table: Table) -> int:
        return _delete(conn, table, account_id, backend.in_values(conn, table.c.contact_id, ids))

    return {
        "events": of(events),
        "contact_totals": of(contact_totals),
        "contact_mailing_totals": of(contact_mailing_totals),
    }
