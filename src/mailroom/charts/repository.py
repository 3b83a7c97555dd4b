"""All SQL of the charts domain: the hourly counters of one account over a range of hours."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, case, func, literal, select

from mailroom.db.tables import events, list_hourly, served_hourly


def _bucket_of(hour: Any, hours: Sequence[int]) -> Any:
    """SQL for the bucket index of ``hour`` given the bucket starts ``hours`` (then the end).

    Buckets of one length after the first (hours, days, weeks after a partial first week) get
    arithmetic; others (months) a CASE over their starts. The arithmetic may give an index past
    the last bucket for the hour a DST change adds to it: callers fold it into the last.
    """
    n = len(hours) - 1
    if n == 1:
        return literal(0)
    if n >= 3:
        step = hours[2] - hours[1]
        if all(hours[i + 1] - hours[i] == step for i in range(1, n - 1)):
            if hours[1] - hours[0] == step:
                return (hour - literal(hours[0])) // literal(step)
            return case(
                (hour < literal(hours[1]), 0), else_=1 + (hour - literal(hours[1])) // literal(step)
            )
    return case(*[(hour < literal(hours[k + 1]), k) for k in range(n - 1)], else_=n - 1)


def list_buckets(
    conn: Connection, account_id: int, hours: Sequence[int]
) -> list[tuple[int, int, int, int]]:
    """(bucket, contacts added, contacts blocked, lists added) over the UTC hours in
    [hours[0], hours[-1]) (Unix seconds), every list of the account summed."""
    h = list_hourly
    k = _bucket_of(h.c.hour, hours).label("k")
    query = (
        select(
            k,
            func.sum(h.c.contacts_added),
            func.sum(h.c.contacts_blocked),
            func.sum(h.c.lists_added),
        )
        .where(h.c.account_id == account_id, h.c.hour >= hours[0], h.c.hour < hours[-1])
        .group_by(k)
    )
    return [(int(b), int(a), int(x), int(n)) for b, a, x, n in conn.execute(query)]


def served_pairs(conn: Connection, account_id: int, lo: int, hi: int) -> list[tuple[int, ...]]:
    """(hour, previous send's hour, sends) of the account's sends in UTC hours [lo, hi)."""
    s = served_hourly
    query = select(s.c.hour, s.c.prev_hour, s.c.sends).where(
        s.c.account_id == account_id, s.c.hour >= lo, s.c.hour < hi
    )
    return [(int(h), int(p), int(n)) for h, p, n in conn.execute(query)]


def events_watermark(conn: Connection) -> int:
    """The highest stored event id: any change to past counts comes with a new event."""
    return int(conn.scalar(select(func.coalesce(func.max(events.c.id), 0))) or 0)
