"""Reads of the running aggregates, with machine opens and clicks included or excluded."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from mailroom.activity.repository import CONTACT_COUNTERS, MACHINE_APART, hourly_counter
from mailroom.activity.types import EventType
from mailroom.db.tables import HOURLY_COUNTERS, activity_hourly
from mailroom.db.tables import contact_totals as contact_totals_table


def contact_totals(
    conn: Connection, account_id: int, contact_id: int, *, include_machine: bool = False
) -> dict[str, Any]:
    """A contact's lifetime counts; with `include_machine`, opens and clicks include machines'."""
    row = conn.execute(
        select(contact_totals_table).where(
            contact_totals_table.c.contact_id == contact_id,
            contact_totals_table.c.account_id == account_id,
        )
    ).first()
    values: dict[str, Any] = dict(row._mapping) if row is not None else {}
    out: dict[str, Any] = {name: int(values.get(name) or 0) for name in CONTACT_COUNTERS}
    for name in ("last_sent_ms", "last_open_ms", "last_click_ms"):
        out[name] = values.get(name)
    if include_machine:
        out["opens"] += out["machine_opens"]
        out["clicks"] += out["machine_clicks"]
    return out


def list_summary(
    conn: Connection,
    account_id: int,
    *,
    list_id: int | None = None,
    start_ms: int | None = None,
    end_ms: int | None = None,
    include_machine: bool = False,
) -> dict[str, int]:
    """Event counts by type name over whole hours in [start, end), from `activity_hourly`.

    Opens and clicks count people's only unless `include_machine`.
    """
    h = activity_hourly
    query = select(*(func.coalesce(func.sum(h.c[name]), 0) for name in HOURLY_COUNTERS)).where(
        h.c.account_id == account_id
    )
    if list_id is not None:
        query = query.where(h.c.list_id == list_id)
    if start_ms is not None:
        query = query.where(h.c.hour >= start_ms // 1000)
    if end_ms is not None:
        query = query.where(h.c.hour < end_ms // 1000)
    sums = dict(zip(HOURLY_COUNTERS, (int(v) for v in conn.execute(query).one()), strict=True))
    counts = {t.wire: sums[hourly_counter(t, False)] for t in EventType}
    if include_machine:
        for t in MACHINE_APART:
            counts[t.wire] += sums[hourly_counter(t, True)]
    return counts
