"""All SQL of the activity domain's write path: links, events and the running aggregates.

Rows travel as tuples in the column orders below and go to the driver in one call per table
(`db.backend`'s raw bulk forms): the ingest path handles 10,000 events per call.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection

from mailroom.activity.types import EventType
from mailroom.db import backend
from mailroom.db.tables import (
    HOURLY_COUNTERS,
    activity_hourly,
    contact_mailing_totals,
    contact_totals,
    events,
    links,
)

CONTACT_COUNTERS = (
    "sends",
    "opens",
    "machine_opens",
    "clicks",
    "machine_clicks",
    "bounces",
    "soft_bounces",
    "optouts",
    "complaints",
    "forwards",
    "page_events",
)
CONTACT_LAST = ("last_sent_ms", "last_open_ms", "last_click_ms")
MAILING_COUNTERS = (
    "sends",
    "opens",
    "machine_opens",
    "clicks",
    "machine_clicks",
    "bounces",
    "optouts",
    "complaints",
    "forwards",
)

EVENT_COLUMNS = (
    "id",
    "account_id",
    "source",
    "list_id",
    "contact_id",
    "type",
    "at_ms",
    "mailing_id",
    "link_id",
    "machine",
    "idem_key",
    "details",
)
CONTACT_COLUMNS = ("contact_id", "account_id", "list_id", *CONTACT_COUNTERS, *CONTACT_LAST)
MAILING_COLUMNS = (
    "contact_id",
    "mailing_id",
    "account_id",
    *MAILING_COUNTERS,
    "first_sent_ms",
    "last_sent_ms",
    "last_at_ms",
)
HOURLY_COLUMNS = ("list_id", "hour", "account_id", *HOURLY_COUNTERS)
MACHINE_APART = (EventType.EM_OPENS, EventType.EM_CLICKS)  # counted apart when machines' own


def hourly_counter(type_: EventType, machine: bool) -> str:
    """The `activity_hourly` counter an event adds to: its type's; machines' opens and clicks
    have their own (the machine flag of other types changes no count, as in `contact_totals`)."""
    return f"{type_.wire}_machine" if machine and type_ in MACHINE_APART else type_.wire


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


def find_links(conn: Connection, account_id: int, urls: Iterable[str]) -> dict[str, int]:
    """url -> links.id for the account's links among `urls` (others are absent)."""
    return _links_by_hash(conn, account_id, {url_hash(url): url for url in set(urls)})


def create_links(
    conn: Connection, account_id: int, urls: Iterable[str], now_s: int
) -> dict[str, int]:
    """url -> links.id for `urls`, making the links the account does not have yet."""
    missing = {url_hash(url): url for url in set(urls)}
    rows = [(account_id, missing[h], h, now_s) for h in sorted(missing)]
    made = backend.insert_many_returning(
        conn,
        links,
        ("account_id", "url", "url_hash", "created"),
        rows,
        returning=("id", "url_hash"),
        conflict=("account_id", "url_hash"),
        order=("url_hash",),
    )
    found: dict[str, int] = {}
    for link_id, h in made:
        found[missing.pop(h)] = link_id
    if missing:  # made meanwhile by a concurrent request, or known already
        found.update(_links_by_hash(conn, account_id, missing))
    return found


def _links_by_hash(conn: Connection, account_id: int, hashes: dict[str, str]) -> dict[str, int]:
    rows = backend.fetch_in(
        conn,
        links,
        ("id", "url_hash"),
        ("url_hash",),
        [(h,) for h in hashes],
        equals={"account_id": account_id},
    )
    return {hashes[h]: link_id for link_id, h in rows}


def known_link_ids(conn: Connection, account_id: int, ids: Iterable[int]) -> set[int]:
    rows = backend.fetch_in(
        conn, links, ("id",), ("id",), [(i,) for i in set(ids)], equals={"account_id": account_id}
    )
    return {r[0] for r in rows}


def last_sent(conn: Connection, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """(contact id, mailing id) -> the last send time already stored, for machine-open timing."""
    rows = backend.fetch_in(
        conn,
        contact_mailing_totals,
        ("contact_id", "mailing_id", "last_sent_ms"),
        ("contact_id", "mailing_id"),
        set(pairs),
    )
    return {(c, m): sent for c, m, sent in rows if sent is not None}


def insert_events(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> set[int]:
    """Store event rows (`EVENT_COLUMNS`, ids from `reserve_event_ids`); the ids actually stored.

    A row whose idempotency key the account already stored is skipped. Rows are stored in the
    order given: the ingest service's storage order (by contact, time and key).
    """
    return backend.insert_many_ids(
        conn,
        events,
        EVENT_COLUMNS,
        rows,
        conflict=("account_id", "idem_key"),
        conflict_where="idem_key IS NOT NULL",
    )


def reserve_event_ids(conn: Connection, count: int) -> list[int]:
    return backend.reserve_ids(conn, events, count)


def add_contact_totals(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    backend.upsert_add_many(
        conn,
        contact_totals,
        CONTACT_COLUMNS,
        rows,
        keys=("contact_id",),
        add=CONTACT_COUNTERS,
        greatest=CONTACT_LAST,
    )


def add_mailing_totals(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    backend.upsert_add_many(
        conn,
        contact_mailing_totals,
        MAILING_COLUMNS,
        rows,
        keys=("contact_id", "mailing_id"),
        add=MAILING_COUNTERS,
        greatest=("last_sent_ms", "last_at_ms"),
        least=("first_sent_ms",),
    )


def add_hourly(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    backend.upsert_add_many(
        conn,
        activity_hourly,
        HOURLY_COLUMNS,
        rows,
        keys=("list_id", "hour"),
        add=HOURLY_COUNTERS,
    )
