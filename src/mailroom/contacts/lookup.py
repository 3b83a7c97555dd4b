"""Resolve contacts in bulk by public id or by list and email, only within one account."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import Connection, select

from mailroom.db.tables import contacts

CHUNK = 2000  # bound parameters per IN list, well below every driver's limit


class ContactRef(NamedTuple):
    """What ingest needs of a contact: its ids and status state."""

    id: int
    uid: str
    list_id: int
    status: str
    status_changed_ms: int


_COLUMNS = (
    contacts.c.id,
    contacts.c.uid,
    contacts.c.list_id,
    contacts.c.status,
    contacts.c.status_changed_ms,
    contacts.c.email,
)


def by_uid(conn: Connection, account_id: int, uids: Iterable[str]) -> dict[str, ContactRef]:
    """Public id -> contact, for the account's contacts among `uids` (others are absent)."""
    wanted = sorted(set(uids))
    found: dict[str, ContactRef] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        rows = conn.execute(
            select(*_COLUMNS).where(contacts.c.account_id == account_id, contacts.c.uid.in_(chunk))
        )
        for row in rows:
            found[row.uid] = ContactRef(
                row.id, row.uid, row.list_id, row.status, row.status_changed_ms
            )
    return found


def by_email(
    conn: Connection, account_id: int, pairs: Iterable[tuple[int, str]]
) -> dict[tuple[int, str], ContactRef]:
    """(list id, email) -> contact; emails match case-insensitively; other accounts' lists miss."""
    per_list: dict[int, set[str]] = defaultdict(set)
    for list_id, email in pairs:
        per_list[list_id].add(email)
        per_list[list_id].add(email.lower())
    found: dict[tuple[int, str], ContactRef] = {}
    for list_id, emails in per_list.items():
        wanted = sorted(emails)
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            rows = conn.execute(
                select(*_COLUMNS).where(
                    contacts.c.account_id == account_id,
                    contacts.c.list_id == list_id,
                    contacts.c.email.in_(chunk),
                )
            )
            for row in rows:
                ref = ContactRef(row.id, row.uid, row.list_id, row.status, row.status_changed_ms)
                found[(list_id, row.email.lower())] = ref
    return found
