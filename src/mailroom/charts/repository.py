"""All SQL of the charts domain: sums of the hourly counters per bucket, in one query each."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import BigInteger, Connection, Integer, and_, column, func, select, values

from mailroom.db.tables import events, list_hourly, served_hourly


def _buckets(starts: Sequence[int]) -> object:
    """A VALUES table of (k, lo, hi): bucket k covers UTC hours [lo, hi) (Unix seconds)."""
    rows = [(k, starts[k], starts[k + 1]) for k in range(len(starts) - 1)]
    # As a CTE, ``WITH b(k, lo, hi) AS (VALUES ...)``, which SQLite reads as PostgreSQL does.
    return (
        values(column("k", Integer), column("lo", BigInteger), column("hi", BigInteger), name="b")
        .data(rows)
        .cte("b")
    )


def list_counts(
    conn: Connection, account_id: int, starts: Sequence[int]
) -> dict[int, tuple[int, int, int]]:
    """bucket -> (contacts added, contacts blocked, lists added)."""
    b = _buckets(starts)
    h = list_hourly
    query = (
        select(
            b.c.k,  # type: ignore[attr-defined]
            func.sum(h.c.contacts_added),
            func.sum(h.c.contacts_blocked),
            func.sum(h.c.lists_added),
        )
        .select_from(
            h.join(b, and_(h.c.hour >= b.c.lo, h.c.hour < b.c.hi))  # type: ignore[attr-defined,arg-type]
        )
        .where(h.c.account_id == account_id, h.c.hour >= starts[0], h.c.hour < starts[-1])
        .group_by(b.c.k)  # type: ignore[attr-defined]
    )
    return {k: (int(a), int(x), int(n)) for k, a, x, n in conn.execute(query)}


def served_counts(conn: Connection, account_id: int, starts: Sequence[int]) -> dict[int, int]:
    """bucket -> distinct contacts sent to: sends in the bucket whose previous send is before it."""
    b = _buckets(starts)
    s = served_hourly
    query = (
        select(b.c.k, func.sum(s.c.sends))  # type: ignore[attr-defined]
        .select_from(
            s.join(
                b,  # type: ignore[arg-type]
                and_(
                    s.c.hour >= b.c.lo,  # type: ignore[attr-defined]
                    s.c.hour < b.c.hi,  # type: ignore[attr-defined]
                    s.c.prev_hour < b.c.lo,  # type: ignore[attr-defined]
                ),
            )
        )
        .where(s.c.account_id == account_id, s.c.hour >= starts[0], s.c.hour < starts[-1])
        .group_by(b.c.k)  # type: ignore[attr-defined]
    )
    return {k: int(n) for k, n in conn.execute(query)}


def events_watermark(conn: Connection) -> int:
    """The highest stored event id: any change to past counts comes with a new event."""
    return int(conn.scalar(select(func.coalesce(func.max(events.c.id), 0))) or 0)
