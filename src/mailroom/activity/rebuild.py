"""Recompute an account's aggregates from its stored events with set-based SQL.

Used after bulk-loading events (the demo generator) and as a repair tool. Pruned events are
gone, so a rebuild after pruning would silently lose their history: it refuses unless told
`allow_pruned=True` (and then totals cover only the events still stored).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, case, delete, func, insert, literal, select, true

from mailroom.activity import retention, served
from mailroom.activity.repository import (
    CONTACT_COUNTERS,
    MACHINE_APART,
    MAILING_COUNTERS,
    hourly_counter,
)
from mailroom.activity.types import PAGE_TYPES, EventType
from mailroom.db.tables import activity_hourly, contact_mailing_totals, contact_totals, events
from mailroom.errors import Conflict

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


def rebuild_aggregates(conn: Connection, account_id: int, *, allow_pruned: bool = False) -> None:
    """Replace the account's contact, contact x mailing, hourly and served totals with ones from
    events."""
    if not allow_pruned and retention.pruned_any(conn):
        raise Conflict(
            "Raw events were pruned: a rebuild would lose their history from every total."
        )
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
    served.rebuild(conn, account_id)
