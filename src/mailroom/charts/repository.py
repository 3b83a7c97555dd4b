"""All SQL of the charts domain: the hourly counters of one account over a range of hours."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, literal, select, union_all

from mailroom.db.tables import account_hourly, events, served_hourly

# Up to this many buckets, one range sum per bucket (each an ordered walk of the key, no sort);
# more, and the hours are read once and bucketed by the caller.
FEW_BUCKETS = 64

_h = account_hourly
_SUMS = (
    func.coalesce(func.sum(_h.c.contacts_added), 0),
    func.coalesce(func.sum(_h.c.contacts_blocked), 0),
    func.coalesce(func.sum(_h.c.lists_added), 0),
)


def account_buckets(
    conn: Connection, account_id: int, hours: Sequence[int]
) -> list[tuple[int, int, int, int]]:
    """(bucket, contacts added, contacts blocked, lists added) per bucket [hours[k], hours[k+1])
    of UTC hours (Unix seconds), for at most `FEW_BUCKETS` buckets."""
    parts: list[Any] = []
    for k in range(len(hours) - 1):
        bucket = literal(k)
        part = select(bucket, *_SUMS).where(
            _h.c.account_id == account_id, _h.c.hour >= hours[k], _h.c.hour < hours[k + 1]
        )
        parts.append(part)
    query: Any = parts[0] if len(parts) == 1 else union_all(*parts)
    return [(int(k), int(a), int(x), int(n)) for k, a, x, n in conn.execute(query)]


def account_hours(conn: Connection, account_id: int, lo: int, hi: int) -> list[tuple[int, ...]]:
    """(hour, contacts added, contacts blocked, lists added) of each UTC hour in [lo, hi) that
    has counts, ascending."""
    query = (
        select(_h.c.hour, _h.c.contacts_added, _h.c.contacts_blocked, _h.c.lists_added)
        .where(_h.c.account_id == account_id, _h.c.hour >= lo, _h.c.hour < hi)
        .order_by(_h.c.hour)
    )
    return [tuple(row) for row in conn.execute(query)]


def served_pairs(conn: Connection, account_id: int, lo: int, hi: int) -> list[tuple[int, ...]]:
    """(hour, previous send's hour, sends) of the account's sends in UTC hours [lo, hi)."""
    s = served_hourly
    query = select(s.c.hour, s.c.prev_hour, s.c.sends).where(
        s.c.account_id == account_id, s.c.hour >= lo, s.c.hour < hi
    )
    return [(int(h), int(p), int(n)) for h, p, n in conn.execute(query)]


def events_watermark(conn: Connection) -> int:
    """The highest stored event id: any change to past counts comes with a new event."""
    # A bare max(id): SQLite answers it from the end of the key only without a wrapping call.
    return int(conn.scalar(select(func.max(events.c.id))) or 0)
