"""All SQL of the activity domain's write path: links, events and the running aggregates.

Rows travel as tuples in the column orders below and go to the driver in one call per table
(`db.backend`'s raw bulk forms): the ingest path handles 10,000 events per call.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, delete, select, text

from mailroom.activity.types import EventType
from mailroom.db import backend
from mailroom.db.tables import (
    HOURLY_COUNTERS,
    activity_hourly,
    contact_mailing_totals,
    contact_totals,
    events,
    links,
    served_hourly,
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


def load_contact_totals(conn: Connection, rows: Iterable[Sequence[Any]]) -> int:
    """Append rows of contacts that have none yet (COPY on PostgreSQL); the count stored."""
    return backend.bulk_load(conn, contact_totals, CONTACT_COLUMNS, rows)


def load_mailing_totals(conn: Connection, rows: Iterable[Sequence[Any]]) -> int:
    """Append contact x mailing rows whose keys are not stored yet; the count stored."""
    return backend.bulk_load(conn, contact_mailing_totals, MAILING_COLUMNS, rows)


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


def last_sent_locked(conn: Connection, contact_ids: Sequence[int]) -> dict[int, int]:
    """contact id -> its last stored send time, locking those totals rows (PostgreSQL) so
    concurrent batches chain one contact's sends one after the other; ids in ascending order."""
    query = (
        select(contact_totals.c.contact_id, contact_totals.c.last_sent_ms)
        .where(backend.in_values(conn, contact_totals.c.contact_id, contact_ids))
        .order_by(contact_totals.c.contact_id)
        .with_for_update()
    )
    return {c: sent for c, sent in conn.execute(query) if sent is not None}


def send_times(conn: Connection, contact_ids: Sequence[int]) -> dict[int, list[int]]:
    """contact id -> the times of its stored sends, ascending."""
    query = (
        select(events.c.contact_id, events.c.at_ms)
        .where(
            backend.in_values(conn, events.c.contact_id, contact_ids),
            events.c.type == int(EventType.EM_SENDS),
        )
        .order_by(events.c.contact_id, events.c.at_ms, events.c.id)
    )
    out: dict[int, list[int]] = {}
    for contact_id, at_ms in conn.execute(query):
        out.setdefault(contact_id, []).append(at_ms)
    return out


SERVED_COLUMNS = ("account_id", "hour", "prev_hour", "sends")


def add_served(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Add (account, hour, prev_hour, sends) rows, in key order, to ``served_hourly``."""
    backend.upsert_add_many(
        conn, served_hourly, SERVED_COLUMNS, rows, keys=SERVED_COLUMNS[:3], add=("sends",)
    )


def delete_served(conn: Connection, account_id: int) -> None:
    conn.execute(delete(served_hourly).where(served_hourly.c.account_id == account_id))


# Each send under its hour and the hour of the contact's previous send (`activity.served`).
_SERVED_FROM_EVENTS = text("""
INSERT INTO served_hourly (account_id, hour, prev_hour, sends)
SELECT account_id, hour, prev_hour, count(*) FROM (
    SELECT account_id, at_ms / 3600000 * 3600 AS hour,
           coalesce(lag(at_ms) OVER (PARTITION BY contact_id ORDER BY at_ms, id)
                    / 3600000 * 3600, -1) AS prev_hour
    FROM events WHERE type = 1 AND account_id = :account_id
) AS sends
GROUP BY account_id, hour, prev_hour
""")


def insert_served_from_events(conn: Connection, account_id: int) -> None:
    conn.execute(_SERVED_FROM_EVENTS, {"account_id": account_id})
