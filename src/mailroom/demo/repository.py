"""All SQL of the demo loader: bulk rows, the ids they got, and removing a demo account."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from mailroom.activity import deletions
from mailroom.db import backend
from mailroom.db.tables import (
    account_hourly,
    accounts,
    activity_hourly,
    contact_mailing_totals,
    contact_totals,
    contacts,
    events,
    links,
    mailings,
    served_hourly,
)

CONTACT_COLUMNS = (
    "uid",
    "account_id",
    "list_id",
    "email",
    "status",
    "fields",
    "created",
    "modified",
    "unsubscribe_date",
    "bounce_date",
    "complaint_date",
    "status_changed_ms",
)
EVENT_COLUMNS = (
    "account_id",
    "list_id",
    "contact_id",
    "type",
    "at_ms",
    "mailing_id",
    "link_id",
    "machine",
    "source",
    "details",
)


def insert_links(conn: Connection, account_id: int, urls: Sequence[str], now_s: int) -> list[int]:
    """Tracked links for the demo's clicks, ids in the order of `urls`."""
    ids = []
    for url in urls:
        # The same key activity ingest uses, so later clicks on these URLs find these rows.
        url_hash = hashlib.sha256(url.encode()).hexdigest()
        values = {"account_id": account_id, "url": url, "url_hash": url_hash, "created": now_s}
        result = conn.execute(insert(links).values(**values))
        ids.append(int(result.inserted_primary_key[0]))  # type: ignore[index]
    return ids


CACHE_MIB = 1024  # a million contacts' indexes and the events' index build fit


def widen_cache(conn: Connection) -> None:
    """A page cache the contacts' indexes fit in while a million of them go in at random keys."""
    backend.large_cache(conn, CACHE_MIB)


def reserve_contact_ids(conn: Connection, count: int) -> list[int]:
    """Ids for the demo's contacts, known before they are made.

    PostgreSQL draws them from the sequence. SQLite's continue after the largest stored id, so
    a contact someone else adds during the load takes one of them and the load then fails on
    the clash (it never mixes the two).
    """
    return backend.reserve_ids(conn, contacts, count)


def load_contacts_with_ids(conn: Connection, rows: Iterable[Sequence[Any]]) -> int:
    """Append contacts whose first value is their reserved id."""
    return backend.bulk_load(conn, contacts, ("id", *CONTACT_COLUMNS), rows)


def load_contacts(conn: Connection, rows: Iterable[Sequence[Any]]) -> int:
    return backend.bulk_load(conn, contacts, CONTACT_COLUMNS, rows)


def load_events(conn: Connection, rows: Iterable[Sequence[Any]]) -> int:
    return backend.bulk_load(conn, events, EVENT_COLUMNS, rows)


def no_events(conn: Connection) -> bool:
    return conn.execute(select(events.c.id).limit(1)).first() is None


def drop_event_lookups(conn: Connection) -> None:
    """Drop the events' non-unique indexes: appending tens of millions of rows and indexing
    them once afterwards (`restore_event_lookups`) is faster than keeping them up to date."""
    for index in events.indexes:
        if not index.unique:
            index.drop(conn, checkfirst=True)


def restore_event_lookups(conn: Connection) -> None:
    """Create the events' indexes that are missing (after a load, or one that was cut short)."""
    for index in events.indexes:
        index.create(conn, checkfirst=True)


def count_mailings(conn: Connection, account_id: int) -> int:
    stmt = select(func.count()).select_from(mailings).where(mailings.c.account_id == account_id)
    return int(conn.execute(stmt).scalar_one())


def events_by_type(conn: Connection, account_id: int) -> dict[int, int]:
    stmt = (
        select(events.c.type, func.count())
        .where(events.c.account_id == account_id)
        .group_by(events.c.type)
    )
    return {int(t): int(n) for t, n in conn.execute(stmt).all()}


def delete_account(conn: Connection, account_id: int) -> None:
    """The account and everything of it; events and totals have no foreign keys to cascade."""
    tables = (events, contact_totals, contact_mailing_totals, activity_hourly)
    for table in (*tables, account_hourly, served_hourly):
        conn.execute(delete(table).where(table.c.account_id == account_id))
    deletions.record(conn, account_id, deletions.ACCOUNT)
    conn.execute(delete(accounts).where(accounts.c.id == account_id))
