"""Reads of the running aggregates, with machine opens and clicks included or excluded."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from mailroom.activity import history_repository
from mailroom.activity.repository import CONTACT_COUNTERS, MACHINE_APART, hourly_counter
from mailroom.activity.types import EventType


def contact_totals(
    conn: Connection, account_id: int, contact_id: int, *, include_machine: bool = False
) -> dict[str, Any]:
    """A contact's lifetime counts; with `include_machine`, opens and clicks include machines'."""
    row = history_repository.select_contact_totals(conn, account_id, contact_id)
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
    sums = history_repository.sum_hourly(conn, account_id, list_id, start_ms, end_ms)
    counts = {t.wire: sums[hourly_counter(t, False)] for t in EventType}
    if include_machine:
        for t in MACHINE_APART:
            counts[t.wire] += sums[hourly_counter(t, True)]
    return counts
