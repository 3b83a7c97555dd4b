"""Store the totals a bulk loader counted itself for the new contacts it loaded.

A loader that makes every event of the contacts it adds (the demo) can count their totals as
it makes them, which costs far less than recounting tens of millions of stored events with
`rebuild_aggregates` afterwards. Rows come as tuples in the column orders below; counting rules
are those of `aggregates` (the loader's tests compare its result with a rebuild).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from mailroom.activity import repository
from mailroom.activity.repository import (
    CONTACT_COLUMNS,
    HOURLY_COLUMNS,
    MAILING_COLUMNS,
    SERVED_COLUMNS,
    hourly_counter,
)

__all__ = [
    "CONTACT_COLUMNS",
    "HOURLY_COLUMNS",
    "MAILING_COLUMNS",
    "SERVED_COLUMNS",
    "add_counters",
    "hourly_counter",
    "load_new_contact_totals",
]


def load_new_contact_totals(
    conn: Connection, per_contact: Sequence[Sequence[Any]], per_mailing: Sequence[Sequence[Any]]
) -> None:
    """Append contact and contact x mailing totals of contacts that have none yet (COPY on
    PostgreSQL): a key already stored is an error, never a double count."""
    repository.load_contact_totals(conn, per_contact)
    repository.load_mailing_totals(conn, per_mailing)


def add_counters(
    conn: Connection, hourly: Sequence[tuple[Any, ...]], served: Sequence[tuple[Any, ...]]
) -> None:
    """Add to the ``activity_hourly`` and ``served_hourly`` counters (rows in key order)."""
    repository.add_hourly(conn, hourly)
    repository.add_served(conn, served)
