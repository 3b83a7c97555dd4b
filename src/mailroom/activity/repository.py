"""All SQL of the activity domain's write path: links, events and the running aggregates."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, insert, select, tuple_

from mailroom.db import backend
from mailroom.db.tables import (
    activity_hourly,
    contact_mailing_totals,
    contact_totals,
    events,
    links,
)

CHUNK = 2000

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


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


def link_ids(conn: Connection, account_id: int, urls: Iterable[str], now_s: int) -> dict[str, int]:
    """url -> links.id for the account, creating the missing links."""
    hashes = {url_hash(url): url for url in set(urls)}
    found = _links_by_hash(conn, account_id, hashes)
    missing = {h: url for h, url in hashes.items() if url not in found}
    if missing:
        rows = [
            {"account_id": account_id, "url": url, "url_hash": h, "created": now_s}
            for h, url in missing.items()
        ]
        backend.insert_ignore(conn, links, rows, index_elements=["account_id", "url_hash"])
        found.update(_links_by_hash(conn, account_id, missing))
    return found


def _links_by_hash(conn: Connection, account_id: int, hashes: dict[str, str]) -> dict[str, int]:
    keys = sorted(hashes)
    found: dict[str, int] = {}
    for start in range(0, len(keys), CHUNK):
        rows = conn.execute(
            select(links.c.id, links.c.url_hash).where(
                links.c.account_id == account_id, links.c.url_hash.in_(keys[start : start + CHUNK])
            )
        )
        for row in rows:
            found[hashes[row.url_hash]] = row.id
    return found


def known_link_ids(conn: Connection, account_id: int, ids: Iterable[int]) -> set[int]:
    wanted = sorted(set(ids))
    found: set[int] = set()
    for start in range(0, len(wanted), CHUNK):
        found.update(
            conn.scalars(
                select(links.c.id).where(
                    links.c.account_id == account_id, links.c.id.in_(wanted[start : start + CHUNK])
                )
            )
        )
    return found


def last_sent(conn: Connection, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """(contact id, mailing id) -> the last send time already stored, for machine-open timing."""
    wanted = sorted(set(pairs))
    found: dict[tuple[int, int], int] = {}
    cmt = contact_mailing_totals
    for start in range(0, len(wanted), CHUNK):
        rows = conn.execute(
            select(cmt.c.contact_id, cmt.c.mailing_id, cmt.c.last_sent_ms).where(
                tuple_(cmt.c.contact_id, cmt.c.mailing_id).in_(wanted[start : start + CHUNK]),
                cmt.c.last_sent_ms.isnot(None),
            )
        )
        for row in rows:
            found[(row.contact_id, row.mailing_id)] = row.last_sent_ms
    return found


def insert_events(conn: Connection, rows: Sequence[dict[str, Any]]) -> list[Any]:
    """Store events; rows whose idempotency key is already stored are skipped.

    Returns (id, idem_key) of the keyed rows actually stored, and the ids of unkeyed rows.
    """
    keyed = [row for row in rows if row["idem_key"] is not None]
    plain = [row for row in rows if row["idem_key"] is None]
    stored: list[Any] = []
    if keyed:
        stored.extend(
            backend.insert_ignore_returning(
                conn,
                events,
                keyed,
                returning=("id", "idem_key"),
                index_elements=("account_id", "idem_key"),
                index_where=events.c.idem_key.isnot(None),
            )
        )
    if plain:
        result = conn.execute(
            insert(events).returning(events.c.id, events.c.idem_key, sort_by_parameter_order=True),
            plain,
        )
        stored.extend(result.all())
    return stored


def add_contact_totals(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    backend.upsert_add(
        conn,
        contact_totals,
        rows,
        keys=("contact_id",),
        add=CONTACT_COUNTERS,
        greatest=CONTACT_LAST,
    )


def add_mailing_totals(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    backend.upsert_add(
        conn,
        contact_mailing_totals,
        rows,
        keys=("contact_id", "mailing_id"),
        add=MAILING_COUNTERS,
        greatest=("last_sent_ms", "last_at_ms"),
        least=("first_sent_ms",),
    )


def add_hourly(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    backend.upsert_add(
        conn, activity_hourly, rows, keys=("list_id", "hour", "type", "machine"), add=("count",)
    )
